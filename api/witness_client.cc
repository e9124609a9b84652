#include "api/witness_client.h"

#include <httplib.h>

#include "api/request_head.h"
#include "ledger/log/checkpoint.h"

namespace vigil::api {

namespace {

struct SplitUrl {
  std::string base;    // scheme://host[:port]
  std::string prefix;  // path, no trailing '/'
};

Result<SplitUrl> Split(const std::string& url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos ||
      (url.compare(0, scheme, "http") != 0 && url.compare(0, scheme, "https") != 0) ||
      scheme + 3 >= url.size()) {
    return Status(Code::kInvalidArgument,
                  "a witness URL must be http://host[:port][/prefix] or https://..., not " +
                      EscapeForLog(url));
  }
  const size_t path = url.find('/', scheme + 3);
  SplitUrl out;
  out.base = url.substr(0, path);
  out.prefix = path == std::string::npos ? "" : url.substr(path);
  while (!out.prefix.empty() && out.prefix.back() == '/') out.prefix.pop_back();
  if (out.base.find_first_of("?# ") != std::string::npos ||
      out.prefix.find_first_of("?# ") != std::string::npos) {
    return Status(Code::kInvalidArgument, "a witness URL may not hold a query, fragment or space");
  }
  return out;
}

std::unique_ptr<httplib::Client> MakeHttp(const std::string& base,
                                          std::chrono::milliseconds timeout) {
  auto http = std::make_unique<httplib::Client>(base);
  const auto s = static_cast<time_t>(timeout.count() / 1000);
  const auto us = static_cast<time_t>((timeout.count() % 1000) * 1000);
  http->set_connection_timeout(s, us);
  http->set_read_timeout(s, us);
  http->set_write_timeout(s, us);
  http->set_keep_alive(true);
  return http;
}

// The first line of a body, printable, for messages.
std::string Detail(const std::string& body) {
  return EscapeForLog(std::string_view(body).substr(0, std::min<size_t>(body.find('\n'), 200)));
}

}  // namespace

Result<std::unique_ptr<WitnessClient>> WitnessClient::Make(const std::string& url,
                                                           const NoteVerifier& witness,
                                                           std::chrono::milliseconds timeout) {
  Result<SplitUrl> split = Split(url);
  if (!split.ok()) return split.status();
  std::unique_ptr<WitnessClient> c(new WitnessClient());
  c->http_ = MakeHttp(split->base, timeout);
  c->url_ = url;
  c->prefix_ = split->prefix;
  c->witness_ = witness;
  return c;
}

WitnessClient::~WitnessClient() = default;

Result<WitnessReply> WitnessClient::AddCheckpoint(const witness::AddCheckpointRequest& request) {
  httplib::Result r =
      http_->Post(prefix_ + "/add-checkpoint", witness::FormatAddCheckpoint(request), "text/plain");
  if (!r) {
    return Status(Code::kUnavailable, "witness " + witness_.name + " at " + url_ +
                                          " did not answer (" + httplib::to_string(r.error()) +
                                          ")");
  }
  WitnessReply reply;
  reply.status = r->status;
  reply.detail = Detail(r->body);
  if (r->status == 200) {
    // Concatenated to the note, the answer's lines are checked with the witness's key alone:
    // lines by other keys are ignored, a bad line by this key fails the whole answer.
    Result<OpenedNote> opened = OpenNote(request.checkpoint + r->body, {witness_});
    if (!opened.ok()) {
      return Status(Code::kCorruption,
                    "witness " + witness_.name +
                        " answered 200 without a valid cosignature: " + opened.status().message());
    }
    const std::string prefix = "\xE2\x80\x94 " + witness_.name + " ";
    // The verified line: the one of this name whose key hash matches (OpenNote checked them).
    size_t at = 0;
    while ((at = r->body.find(prefix, at)) != std::string::npos) {
      const size_t end = r->body.find('\n', at);
      if (end == std::string::npos) break;
      std::string line = r->body.substr(at, end + 1 - at);
      Result<OpenedNote> one = OpenNote(request.checkpoint + line, {witness_});
      if (one.ok()) {
        reply.kind = WitnessReply::Kind::kCosigned;
        reply.cosignature = std::move(line);
        return reply;
      }
      at = end + 1;
    }
    return Status(Code::kCorruption,
                  "witness " + witness_.name + " answered 200 without its cosignature");
  }
  if (r->status == 409) {
    Result<uint64_t> size = witness::ParseSizeBody(r->body);
    if (!size.ok() || r->get_header_value("Content-Type") != witness::kSizeContentType) {
      return Status(Code::kCorruption,
                    "witness " + witness_.name + " answered 409 without a text/x.tlog.size body");
    }
    reply.kind = WitnessReply::Kind::kConflict;
    reply.size = *size;
    return reply;
  }
  reply.kind = WitnessReply::Kind::kRefused;
  return reply;
}

Result<uint64_t> AskWitnessSize(const std::string& url, const NoteVerifier& witness,
                                const std::string& signed_checkpoint,
                                std::chrono::milliseconds timeout) {
  Result<std::unique_ptr<WitnessClient>> client = WitnessClient::Make(url, witness, timeout);
  if (!client.ok()) return client.status();
  Result<WitnessReply> reply = (*client)->AddCheckpoint({0, {}, signed_checkpoint});
  if (!reply.ok()) return reply.status();
  switch (reply->kind) {
    case WitnessReply::Kind::kConflict:
      return reply->size;
    case WitnessReply::Kind::kCosigned: {
      Result<Checkpoint> cp =
          ParseCheckpointBody(signed_checkpoint.substr(0, signed_checkpoint.find("\n\n") + 1));
      if (!cp.ok()) return cp.status();
      return cp->size;
    }
    case WitnessReply::Kind::kRefused:
      break;
  }
  return Status(Code::kFailedPrecondition, "witness " + witness.name + " at " + url +
                                               " refused the checkpoint: " +
                                               std::to_string(reply->status) + " " + reply->detail);
}

}  // namespace vigil::api
