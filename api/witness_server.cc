#include "api/witness_server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include "api/connections.h"
#include "api/httplib_access.h"
#include "api/request_head.h"

namespace vigil::api {

namespace {

// What the add-checkpoint handler decided, for the request's log line (the logger runs on the
// handler's thread right after it).
thread_local std::string request_note;

void Answer(httplib::Response& res, int status, const std::string& body,
            const std::string& content_type) {
  res.status = status;
  res.set_content(body, content_type.c_str());
}

}  // namespace

WitnessServer::WitnessServer(witness::Witness& witness, WitnessServerOptions options)
    : witness_(witness), options_(std::move(options)), http_(std::make_unique<httplib::Server>()) {
  const int threads = options_.threads;
  http_->new_task_queue = [threads] {
    return new httplib::ThreadPool(static_cast<size_t>(threads));
  };
  http_->set_payload_max_length(options_.max_body_bytes);
  http_->set_read_timeout(options_.read_timeout_s, 0);
  http_->set_write_timeout(options_.write_timeout_s, 0);
  http_->set_keep_alive_timeout(options_.keep_alive_s);
  http_->set_keep_alive_max_count(1000);
  http_->set_tcp_nodelay(true);
  http_->set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    // Bodies by Content-Length only: a chunked or compressed body is refused, not read.
    if (req.has_header("Transfer-Encoding") ||
        (req.method == "POST" && !req.has_header("Content-Length"))) {
      Answer(res, 411, "send the body with a Content-Length\n", "text/plain; charset=utf-8");
      res.set_header("Connection", "close");
      return httplib::Server::HandlerResponse::Handled;
    }
    const std::string enc = req.get_header_value("Content-Encoding");
    if (!enc.empty() && enc != "identity") {
      Answer(res, 415, "compressed bodies are not accepted\n", "text/plain; charset=utf-8");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  http_->Post("/add-checkpoint", [this](const httplib::Request& req, httplib::Response& res) {
    witness::AddOutcome out = witness_.AddCheckpoint(req.body);
    Answer(res, out.http_status, out.body, out.content_type);
    request_note = (out.origin.empty()
                        ? std::string()
                        : EscapeForLog(out.origin) + " size " + std::to_string(out.size) + ": ") +
                   EscapeForLog(out.message);
    if (out.http_status == 500) spdlog::error("add-checkpoint failed: {}", request_note);
  });
  http_->set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    switch (res.status) {
      case 404:
        res.set_content("no such endpoint: a witness answers POST /add-checkpoint only\n",
                        "text/plain; charset=utf-8");
        break;
      case 413:
        res.set_content("the request body is too large\n", "text/plain; charset=utf-8");
        break;
      default:
        res.set_content("the request could not be handled\n", "text/plain; charset=utf-8");
    }
  });
  http_->set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown exception";
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        spdlog::error("add-checkpoint threw: {}", EscapeForLog(what));
        Answer(res, 500, "internal error\n", "text/plain; charset=utf-8");
      });
  http_->set_logger([](const httplib::Request& req, const httplib::Response& res) {
    const std::string_view target = req.target;
    spdlog::info("{} {} {} {}{}{} from {}", EscapeForLog(req.method),
                 EscapeForLog(target.substr(0, target.find('?'))), res.status,
                 request_note.empty() ? "" : "(", request_note, request_note.empty() ? "" : ")",
                 EscapeForLog(req.remote_addr));
    request_note.clear();
  });

  FrontDoorOptions door;
  door.threads = options_.threads;
  door.head_timeout_s = options_.read_timeout_s;
  door.body_timeout_s = options_.read_timeout_s;
  door.write_timeout_s = options_.write_timeout_s;
  door.keep_alive_s = options_.keep_alive_s;
  door.max_body_bytes = options_.max_body_bytes;
  door.max_connections = options_.max_connections;
  door.max_connections_per_client = options_.max_connections_per_client;
  door_ = std::make_unique<FrontDoor>(
      door,
      [this](httplib::Stream& strm, bool must_close, bool& closed) {
        return RequestProcessor::Process(*http_, strm, must_close, closed);
      },
      [](int status, std::string_view type, std::string_view detail, const std::string& peer) {
        spdlog::info("refused {} {} from {}", status, type, EscapeForLog(peer));
        const std::string body = std::string(detail) + "\n";
        std::string out =
            "HTTP/1.1 " + std::to_string(status) +
            " Refused\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " +
            std::to_string(body.size()) + "\r\nConnection: close\r\n";
        if (status == 503) out += "Retry-After: 1\r\n";
        return out + "\r\n" + body;
      });
}

WitnessServer::~WitnessServer() = default;

Status WitnessServer::Bind() {
  Status s = door_->Bind(options_.host, options_.port);
  port_ = door_->port();
  if (s.ok()) ListeningSocket::Set(*http_, door_->listener());
  return s;
}

void WitnessServer::Run() { door_->Run(); }

void WitnessServer::Stop() { door_->Stop(); }

}  // namespace vigil::api
