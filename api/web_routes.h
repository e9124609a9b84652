// The audit explorer (docs/explorer.md): a static page served at "/" with its script and style
// sheet under "/web/", compiled into the program from api/web/ (no files to install, no CDN).
// The page is public; everything it shows comes from signed API requests made in the browser
// with the user's own key. Answers carry a strict Content-Security-Policy (no inline script or
// style, same-origin only), nosniff, no-referrer, and an ETag for cheap revalidation.
#ifndef VIGIL_API_WEB_ROUTES_H_
#define VIGIL_API_WEB_ROUTES_H_

#include <string>
#include <string_view>
#include <vector>

#include "api/route.h"

namespace vigil::api {

namespace web {
// One file of api/web/ (the list is VIGIL_WEB_FILES in api/CMakeLists.txt), embedded by CMake
// (embedded_web.cc.in). noble.js is the vendored Argon2id + XChaCha20-Poly1305 (api/web/vendor).
struct File {
  std::string_view name;          // "app.js"
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view body;
};
// Every embedded file; static storage, thread-safe.
const std::vector<File>& Files();
}  // namespace web

// The Content-Security-Policy of every explorer answer.
inline constexpr char kExplorerCsp[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

// GET / (index.html) and GET /web/{file} (every other file of web::Files()), all
// Access::kPublic.
std::vector<Route> WebRoutes();

}  // namespace vigil::api

#endif  // VIGIL_API_WEB_ROUTES_H_
