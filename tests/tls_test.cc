// Native TLS (`vigil serve --tls-cert --tls-key`): the real server over a temporary log, with a
// certificate made for the test by the openssl command, called by clients that trust it, that
// do not, and that speak plain HTTP to the TLS port.
#include <httplib.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "api/server.h"
#include "ledger/log/writer.h"
#include "tests/test_util.h"

namespace vigil {
namespace {

using testing::MakeTestLog;
using testing::TempDir;

// A self-signed certificate for 127.0.0.1 (cert.pem, key.pem in `dir`).
void MakeCertificate(const TempDir& dir) {
  const std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
      " -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout " +
      dir.File("key.pem") + " -out " + dir.File("cert.pem") + " 2>/dev/null";
  REQUIRE(std::system(cmd.c_str()) == 0);
}

TEST_CASE("TLS: the server answers HTTPS with its certificate, and only HTTPS", "[api][tls]") {
  TempDir dir("vigil_tls");
  MakeCertificate(dir);
  testing::TestLog t = MakeTestLog(dir.File("log"));
  Writer writer(*t.log);
  api::ServerOptions options;
  options.port = 0;
  options.tls_cert = dir.File("cert.pem");
  options.tls_key = dir.File("key.pem");
  api::Server server(*t.ledger, writer, options);
  REQUIRE(server.Bind().ok());
  std::thread run([&] { server.Run(); });
  const std::string https = "https://127.0.0.1:" + std::to_string(server.port());

  SECTION("a client that trusts the certificate gets the signed checkpoint") {
    httplib::Client client(https);
    client.set_ca_cert_path(dir.File("cert.pem").c_str());
    client.enable_server_certificate_verification(true);
    httplib::Result res = client.Get("/checkpoint");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->body.rfind(std::string(testing::kTestOrigin) + "\n", 0) == 0);
  }
  SECTION("a client that does not trust it is refused by its own TLS check") {
    httplib::Client client(https);
    client.enable_server_certificate_verification(true);
    httplib::Result res = client.Get("/checkpoint");
    CHECK(!res);
    CHECK(res.error() == httplib::Error::SSLServerVerification);
  }
  SECTION("plain HTTP to the TLS port gets no answer") {
    httplib::Client client("http://127.0.0.1:" + std::to_string(server.port()));
    client.set_read_timeout(3, 0);
    httplib::Result res = client.Get("/checkpoint");
    CHECK((!res || res->status != 200));
  }
  server.Stop();
  run.join();
}

TEST_CASE("TLS: unreadable or mismatched certificate files stop the server at start",
          "[api][tls]") {
  TempDir dir("vigil_tls");
  MakeCertificate(dir);
  testing::TestLog t = MakeTestLog(dir.File("log"));
  Writer writer(*t.log);
  api::ServerOptions options;
  options.port = 0;
  SECTION("missing certificate file") {
    options.tls_cert = dir.File("nope.pem");
    options.tls_key = dir.File("key.pem");
  }
  SECTION("the key file is not a key") {
    options.tls_cert = dir.File("cert.pem");
    options.tls_key = dir.File("cert.pem");
  }
  api::Server server(*t.ledger, writer, options);
  Status s = server.Bind();
  CHECK(!s.ok());
  CHECK(s.message().find("TLS") != std::string::npos);
}

}  // namespace
}  // namespace vigil
