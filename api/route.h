// The route table: every endpoint of the API is one Route, with the access rule that the
// server enforces before its handler runs. Tests and the OpenAPI check iterate this table, so a
// route cannot exist without its access row.
#ifndef VIGIL_API_ROUTE_H_
#define VIGIL_API_ROUTE_H_

#include <functional>
#include <optional>
#include <string>

#include "api/auth.h"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace vigil::api {

// Who may call a route (DESIGN §1). Checked by the server before the handler; finer rules that
// depend on the resource (a business reads only what concerns it) are the handler's.
enum class Access {
  kPublic,        // anyone, unsigned: checkpoints, hash tiles, proofs, health
  kSigned,        // any registered, unrevoked key
  kFullReader,    // authority, police, inspector
  kAllEntries,    // authority, police: every record, police notes included (entry bundles)
  kPersonalData,  // authority, police
};
// "public", "signed", "full_reader", "all_entries", "personal_data"
const char* AccessName(Access access);
// Whether `role` passes `access` (the request signature having been verified).
bool RoleAllowed(Access access, Role role);

// One request being handled.
struct Call {
  const httplib::Request& req;
  httplib::Response& res;
  std::optional<Caller> caller;  // set for every access but kPublic
};

struct Route {
  std::string method;   // "GET" or "POST"
  std::string pattern;  // httplib regex, e.g. R"(/v1/entries/(\d{1,19}))"
  std::string path;     // the OpenAPI path, e.g. "/v1/entries/{seq}"
  Access access;
  std::function<void(Call&)> handler;
};

}  // namespace vigil::api

#endif  // VIGIL_API_ROUTE_H_
