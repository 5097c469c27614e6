// The one translation unit that compiles Asio, Asio SSL and Beast (separate compilation: see
// BOOST_ASIO_SEPARATE_COMPILATION in CMakeLists.txt). Every other file includes headers only.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
