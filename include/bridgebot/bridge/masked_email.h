// Shows an email enough for its owner to recognise it, not enough to harvest it. Pure.
#pragma once

#include <string>
#include <string_view>

namespace bridgebot::bridge {

// "alice.smith@example.com" -> "a***h@e***.com"; "bo@x.io" -> "b*@x***.io"; "" -> "(none)".
std::string mask_email(std::string_view email);

}  // namespace bridgebot::bridge
