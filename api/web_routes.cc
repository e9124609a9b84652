#include "api/web_routes.h"

#include <httplib.h>

#include <string_view>

#include "api/problem.h"
#include "keys/encoding.h"

namespace vigil::api {

namespace {

struct Asset {
  web::File file;
  std::string body;  // the file as served (sw.js: with the version filled in)
  std::string etag;  // "\"<first 16 bytes of SHA-256, hex>\""
};

// The service worker (sw.js) is written from the page itself, over two tokens: the page's
// version (the first 8 bytes of the SHA-256 of every other file, in hex), which names its
// cache, so a program whose page differs in any byte installs a new worker that drops the old
// cache; and the list of the page's files it caches ('/web/<name>' for each, quoted), so the
// list is VIGIL_WEB_FILES and nothing else.
constexpr std::string_view kVersionToken = "__VIGIL_WEB_VERSION__";
constexpr std::string_view kFilesToken = "'__VIGIL_WEB_FILES__'";

void ReplaceAll(std::string& body, std::string_view token, std::string_view value) {
  for (size_t at = body.find(token); at != std::string::npos;
       at = body.find(token, at + value.size())) {
    body.replace(at, token.size(), value);
  }
}

const std::vector<Asset>& Assets() {
  static const std::vector<Asset>* assets = [] {
    std::string all;
    std::string files;
    for (const web::File& f : web::Files()) {
      if (f.name == "sw.js") continue;
      const Hash h = Sha256(f.body);
      all.append(f.name).append(" ").append(AsView(h)).append("\n");
      if (f.name == "index.html") continue;  // cached as "/"
      files.append(files.empty() ? "" : ", ").append("'/web/").append(f.name).append("'");
    }
    const std::string version = HexEncode(AsView(Sha256(all)).substr(0, 8));
    auto* a = new std::vector<Asset>;
    for (const web::File& f : web::Files()) {
      std::string body(f.body);
      if (f.name == "sw.js") {
        ReplaceAll(body, kVersionToken, version);
        ReplaceAll(body, kFilesToken, files);
      }
      const Hash h = Sha256(body);
      a->push_back({f, std::move(body), "\"" + HexEncode(AsView(h).substr(0, 16)) + "\""});
    }
    return a;
  }();
  return *assets;
}

void Serve(Call& c, std::string_view name) {
  for (const Asset& a : Assets()) {
    if (a.file.name != name) continue;
    c.res.set_header("Content-Security-Policy", kExplorerCsp);
    c.res.set_header("X-Content-Type-Options", "nosniff");
    c.res.set_header("Referrer-Policy", "no-referrer");
    c.res.set_header("Cross-Origin-Opener-Policy", "same-origin");
    c.res.set_header("X-Frame-Options", "DENY");
    // The field pages' service worker lives under /web/ but serves the whole page (scope /).
    if (name == "sw.js") c.res.set_header("Service-Worker-Allowed", "/");
    // Small files that change with the program: always revalidate, 304 when unchanged.
    c.res.set_header("Cache-Control", "no-cache");
    c.res.set_header("ETag", a.etag);
    if (c.req.get_header_value("If-None-Match") == a.etag) {
      c.res.status = 304;
      return;
    }
    c.res.set_content(a.body, std::string(a.file.content_type).c_str());
    return;
  }
  SendProblem(c.res, Status(Code::kNotFound, "no explorer file \"" + std::string(name) + "\""));
}

}  // namespace

std::vector<Route> WebRoutes() {
  std::vector<Route> r;
  r.push_back({"GET", "/", "/", Access::kPublic, [](Call& c) { Serve(c, "index.html"); }});
  r.push_back({"GET", R"(/web/([a-z0-9-]{1,32}\.[a-z]{2,4}))", "/web/{file}", Access::kPublic,
               [](Call& c) { Serve(c, c.req.matches[1].str()); }});
  return r;
}

}  // namespace vigil::api
