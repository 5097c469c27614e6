// Test-only TLS material, generated at test time so no key ever sits in the repository: a CA and a
// server certificate it signed, valid for localhost and 127.0.0.1.
#pragma once

#include <string>

namespace bridgebot::test {

struct TestCertificates {
  std::string ca_pem;           // the CA certificate to trust (ClientOptions::tls.ca_file)
  std::string server_cert_pem;  // ServerOptions::tls_certificate_pem
  std::string server_key_pem;   // ServerOptions::tls_private_key_pem
};

// A fresh CA (P-256, valid one day) and a server certificate signed by it whose subjectAltName
// covers DNS:localhost, IP:127.0.0.1 and DNS:<common_name>. Each call makes a new, unrelated CA.
// Throws std::runtime_error if OpenSSL fails (a broken test environment).
TestCertificates make_test_certificates(const std::string& common_name = "localhost");

// Writes `certificates.ca_pem` to a new file in a per-process temporary directory and returns its
// path. The directory is removed when the process exits.
std::string write_ca_file(const TestCertificates& certificates);

}  // namespace bridgebot::test
