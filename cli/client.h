// The vigil command's HTTP client: plain or TLS, with request signing (api/request_signature.h)
// for routes that need it. Not thread-safe; one per thread.
#ifndef VIGIL_CLI_CLIENT_H_
#define VIGIL_CLI_CLIENT_H_

#include <memory>
#include <string>

#include "keys/key.h"
#include "keys/result.h"

namespace httplib {
class Client;
}

namespace vigil::cli {

struct Response {
  int status = 0;
  std::string body;
  std::string content_type;
  bool ok() const { return status >= 200 && status < 300; }
  // For an error answer: the problem's detail and the codes of the rules it lists.
  std::string ProblemText() const;
};

class Client {
 public:
  // `base_url` like "http://127.0.0.1:8080" or "https://vigil.example". Errors:
  // kInvalidArgument for a URL that is not http(s)://host[:port].
  static Result<std::unique_ptr<Client>> Connect(const std::string& base_url);
  ~Client();

  // Errors: kIoError when the server cannot be reached (the message says which URL).
  Result<Response> Get(const std::string& target, const SecretKey* signer = nullptr);
  Result<Response> Post(const std::string& target, const std::string& json_body,
                        const SecretKey* signer = nullptr);

 private:
  Client() = default;
  std::string base_url_;
  std::unique_ptr<httplib::Client> http_;
};

}  // namespace vigil::cli

#endif  // VIGIL_CLI_CLIENT_H_
