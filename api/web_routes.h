// The audit explorer (docs/explorer.md): a static page served at "/" with its script and style
// sheet under "/web/", compiled into the program from api/web/ (no files to install, no CDN).
// The page is public; everything it shows comes from signed API requests made in the browser
// with the user's own key. Answers carry a strict Content-Security-Policy (no inline script or
// style, same-origin only), nosniff, no-referrer, and an ETag for cheap revalidation.
#ifndef VIGIL_API_WEB_ROUTES_H_
#define VIGIL_API_WEB_ROUTES_H_

#include <string>
#include <vector>

#include "api/route.h"

namespace vigil::api {

namespace web {
// The files of api/web/, embedded by CMake (embedded_web.cc.in).
extern const char kIndexHtml[];
extern const char kAppJs[];
extern const char kStyleCss[];
extern const char kNobleJs[];  // vendored Argon2id + XChaCha20-Poly1305 (api/web/vendor)
}  // namespace web

// The Content-Security-Policy of every explorer answer.
inline constexpr char kExplorerCsp[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

// GET / (the page) and GET /web/{file} (app.js, style.css, noble.js), all Access::kPublic.
std::vector<Route> WebRoutes();

}  // namespace vigil::api

#endif  // VIGIL_API_WEB_ROUTES_H_
