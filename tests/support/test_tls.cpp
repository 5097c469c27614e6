// Certificate generation with the OpenSSL 3 API. Test support only.
#include "support/test_tls.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>

namespace bridgebot::test {
namespace {

struct OpenSslDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
  void operator()(X509* certificate) const { X509_free(certificate); }
  void operator()(BIO* bio) const { BIO_free(bio); }
  void operator()(X509_EXTENSION* extension) const { X509_EXTENSION_free(extension); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter>;
using CertificatePtr = std::unique_ptr<X509, OpenSslDeleter>;

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test certificate generation failed: ") + what);
}

KeyPtr make_key() {
  KeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  check(key != nullptr, "EC key generation");
  return key;
}

void add_extension(X509* certificate, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, OpenSslDeleter> extension(
      X509V3_EXT_conf_nid(nullptr, &context, nid, value));
  check(extension != nullptr, value);
  check(X509_add_ext(certificate, extension.get(), -1) == 1, "adding an extension");
}

// An unsigned certificate for `key` named `common_name`, valid from an hour ago for a day.
CertificatePtr make_certificate(EVP_PKEY* key, const std::string& common_name, long serial) {
  CertificatePtr certificate(X509_new());
  check(certificate != nullptr, "X509_new");
  check(X509_set_version(certificate.get(), X509_VERSION_3) == 1, "version");
  check(ASN1_INTEGER_set(X509_get_serialNumber(certificate.get()), serial) == 1, "serial");
  check(X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -3600) != nullptr, "notBefore");
  check(X509_gmtime_adj(X509_getm_notAfter(certificate.get()), 24 * 3600) != nullptr, "notAfter");
  check(X509_set_pubkey(certificate.get(), key) == 1, "public key");
  X509_NAME* name = X509_get_subject_name(certificate.get());
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                   -1, 0) == 1,
        "common name");
  return certificate;
}

std::string to_pem(X509* certificate) {
  std::unique_ptr<BIO, OpenSslDeleter> bio(BIO_new(BIO_s_mem()));
  check(bio && PEM_write_bio_X509(bio.get(), certificate) == 1, "writing a certificate");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

std::string to_pem(EVP_PKEY* key) {
  std::unique_ptr<BIO, OpenSslDeleter> bio(BIO_new(BIO_s_mem()));
  check(bio && PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "writing a key");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

// Removes the per-process directory of written CA files at exit.
struct TempDirectory {
  TempDirectory()
      : path(std::filesystem::temp_directory_path() /
             ("bridgebot-test-tls-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(path);
  }
  ~TempDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  std::filesystem::path path;
};

}  // namespace

TestCertificates make_test_certificates(const std::string& common_name) {
  static std::atomic<long> next_serial{1};

  KeyPtr ca_key = make_key();
  CertificatePtr ca = make_certificate(ca_key.get(), "bridgebot test CA", next_serial++);
  check(X509_set_issuer_name(ca.get(), X509_get_subject_name(ca.get())) == 1, "CA issuer");
  add_extension(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_extension(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(ca.get(), ca.get(), NID_subject_key_identifier, "hash");
  check(X509_sign(ca.get(), ca_key.get(), EVP_sha256()) > 0, "signing the CA");

  KeyPtr server_key = make_key();
  CertificatePtr server = make_certificate(server_key.get(), common_name, next_serial++);
  check(X509_set_issuer_name(server.get(), X509_get_subject_name(ca.get())) == 1, "issuer");
  const std::string alt_names = "DNS:localhost,IP:127.0.0.1,DNS:" + common_name;
  add_extension(server.get(), ca.get(), NID_subject_alt_name, alt_names.c_str());
  add_extension(server.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_extension(server.get(), ca.get(), NID_key_usage, "critical,digitalSignature");
  add_extension(server.get(), ca.get(), NID_ext_key_usage, "serverAuth");
  add_extension(server.get(), ca.get(), NID_subject_key_identifier, "hash");
  add_extension(server.get(), ca.get(), NID_authority_key_identifier, "keyid:always");
  check(X509_sign(server.get(), ca_key.get(), EVP_sha256()) > 0, "signing the server");

  return TestCertificates{to_pem(ca.get()), to_pem(server.get()), to_pem(server_key.get())};
}

std::string write_ca_file(const TestCertificates& certificates) {
  static TempDirectory directory;
  static std::atomic<int> next_file{1};
  const auto path = directory.path / ("ca-" + std::to_string(next_file++) + ".pem");
  std::ofstream out(path, std::ios::binary);
  out << certificates.ca_pem;
  check(static_cast<bool>(out), "writing the CA file");
  return path.string();
}

}  // namespace bridgebot::test
