// docs/openapi.json against the server's route table (api/route.h): the same set of
// (method, path) both ways, each operation declaring the route's access level, and the
// document's own references and path parameters consistent. A route added to the server
// without its OpenAPI operation (or the other way round) fails here.
#include <catch2/catch.hpp>
#include <cctype>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <utility>

#include "api/route.h"
#include "api/server.h"
#include "ledger/log/writer.h"
#include "tests/test_util.h"

namespace vigil {
namespace {

using nlohmann::json;

json LoadOpenApi() {
  const std::string path = std::string(VIGIL_DOCS_DIR) + "/openapi.json";
  std::ifstream in(path, std::ios::binary);
  INFO(path);
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  json doc = json::parse(text.str(), nullptr, false);
  REQUIRE(doc.is_object());
  return doc;
}

// The routes of a server over a fresh log (not bound: nothing listens).
std::vector<api::Route> ServerRoutes() {
  testing::TempDir dir("vigil_openapi");
  testing::TestLog t = testing::MakeTestLog(dir.path());
  Writer writer(*t.log);
  api::Server server(*t.ledger, writer, api::ServerOptions{});
  return server.routes();
}

const std::set<std::string>& HttpMethods() {
  static const std::set<std::string> methods = {"get",     "put",  "post",  "delete",
                                                "options", "head", "patch", "trace"};
  return methods;
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}
std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Every "$ref" string anywhere in `j`.
void CollectRefs(const json& j, std::set<std::string>& out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      if (k == "$ref" && v.is_string()) out.insert(v.get<std::string>());
      CollectRefs(v, out);
    }
  } else if (j.is_array()) {
    for (const json& v : j) CollectRefs(v, out);
  }
}

// A parameter object, following one local $ref.
json Resolve(const json& doc, const json& p) {
  if (!p.contains("$ref")) return p;
  return doc.at(json::json_pointer(p["$ref"].get<std::string>().substr(1)));
}

TEST_CASE("docs/openapi.json lists exactly the routes of the server", "[openapi]") {
  const json doc = LoadOpenApi();
  const std::vector<api::Route> routes = ServerRoutes();
  REQUIRE(!routes.empty());

  std::set<std::pair<std::string, std::string>> in_server, in_doc;
  for (const api::Route& r : routes) in_server.emplace(r.method, r.path);
  REQUIRE(doc.contains("paths"));
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      if (HttpMethods().count(method) == 1) in_doc.emplace(Upper(method), path);
    }
  }
  for (const auto& [method, path] : in_server) {
    INFO("route without an OpenAPI operation: " << method << " " << path);
    CHECK(in_doc.count({method, path}) == 1);
  }
  for (const auto& [method, path] : in_doc) {
    INFO("OpenAPI operation without a route: " << method << " " << path);
    CHECK(in_server.count({method, path}) == 1);
  }
  CHECK(in_doc.size() == routes.size());
}

TEST_CASE("Every OpenAPI operation declares the access level of its route", "[openapi]") {
  const json doc = LoadOpenApi();
  const std::set<std::string> levels = {"public", "signed", "full_reader", "all_entries",
                                        "personal_data"};
  for (const api::Route& r : ServerRoutes()) {
    INFO(r.method << " " << r.path);
    const std::string method = Lower(r.method);
    if (!doc["paths"].contains(r.path) || !doc["paths"][r.path].contains(method)) {
      FAIL_CHECK("no OpenAPI operation");  // reported by the test above too
      continue;
    }
    const json& op = doc["paths"][r.path][method];
    REQUIRE(op.contains("x-vigil-access"));
    CHECK(levels.count(op["x-vigil-access"].get<std::string>()) == 1);
    CHECK(op["x-vigil-access"] == api::AccessName(r.access));
    // Signed levels name the request-signature scheme; public ones need nothing.
    if (r.access == api::Access::kPublic) {
      CHECK(op.value("security", json::array()) == json::array());
    } else {
      REQUIRE(op.contains("security"));
      CHECK(op["security"] == json::array({{{"vigilRequestSignature", json::array()}}}));
      CHECK(op["responses"].contains("401"));
    }
    if (r.access == api::Access::kFullReader || r.access == api::Access::kAllEntries ||
        r.access == api::Access::kPersonalData) {
      CHECK(op["responses"].contains("403"));
    }
  }
}

TEST_CASE("docs/openapi.json is self-consistent", "[openapi]") {
  const json doc = LoadOpenApi();
  CHECK(doc.value("openapi", "").rfind("3.0.", 0) == 0);
  CHECK(doc["info"].contains("title"));
  CHECK(doc["info"].contains("version"));
  REQUIRE(doc["components"]["securitySchemes"].contains("vigilRequestSignature"));
  CHECK(doc["components"]["securitySchemes"]["vigilRequestSignature"]["description"]
            .get<std::string>()
            .find("vigil/v2/request") != std::string::npos);

  // Every local reference resolves.
  std::set<std::string> refs;
  CollectRefs(doc, refs);
  for (const std::string& ref : refs) {
    INFO(ref);
    REQUIRE(ref.rfind("#/", 0) == 0);
    CHECK(doc.contains(json::json_pointer(ref.substr(1))));
  }

  for (const auto& [path, item] : doc["paths"].items()) {
    // The {names} of the path and its path parameters are the same set.
    std::set<std::string> in_path, declared;
    const std::regex name(R"(\{([^}]+)\})");
    for (auto it = std::sregex_iterator(path.begin(), path.end(), name);
         it != std::sregex_iterator(); ++it) {
      in_path.insert((*it)[1].str());
    }
    for (const auto& [method, op] : item.items()) {
      if (HttpMethods().count(method) == 0) continue;
      INFO(method << " " << path);
      CHECK(op.contains("operationId"));
      CHECK(op.contains("summary"));
      declared.clear();
      for (const json& p : op.value("parameters", json::array())) {
        const json param = Resolve(doc, p);
        CHECK(param.contains("name"));
        CHECK(param.contains("in"));
        CHECK((param.contains("schema") || param.contains("content")));
        if (param.value("in", "") == "path") {
          CHECK(param.value("required", false));
          declared.insert(param["name"].get<std::string>());
        }
      }
      CHECK(declared == in_path);
      // Every operation answers errors as problem+json, and documents a success.
      REQUIRE(op.contains("responses"));
      bool success = false, problem = false;
      for (const auto& [status, response] : op["responses"].items()) {
        const json res =
            response.contains("$ref")
                ? doc.at(json::json_pointer(response["$ref"].get<std::string>().substr(1)))
                : response;
        CHECK(res.contains("description"));
        if (status[0] == '2') success = true;
        if (status[0] == '4' || status[0] == '5') {
          INFO("status " << status);
          // Errors are problem documents, except /healthz's 503 which reports its state.
          if (!(path == "/healthz" && status == "503")) {
            CHECK(res["content"].contains("application/problem+json"));
            problem = true;
          }
        }
      }
      CHECK(success);
      CHECK(problem);
    }
  }
}

}  // namespace
}  // namespace vigil
