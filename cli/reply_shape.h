// Shape checks for the JSON the server sends back to the vigil command.
//
// A reply is parsed (depth-limited, duplicate keys refused: ledger/payload.h ParseJson) and
// checked against a JsonShape before any command prints or uses it, so that a proxy's HTML
// page, a truncated body, or JSON of the wrong shape becomes one clear message and exit 2
// instead of an exception or a wrong table. A shape says only what the command relies on:
// fields it does not read may be anything, and objects may carry fields it does not know.
#ifndef VIGIL_CLI_REPLY_SHAPE_H_
#define VIGIL_CLI_REPLY_SHAPE_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/client.h"
#include "keys/result.h"

namespace vigil::cli {

// The expected shape of a JSON value: its type and, for an object, the fields it must or may
// hold; for an array, the shape of every element. Build them once (the *Shape() functions
// below); a built shape is never changed, so threads may share it.
class JsonShape {
 public:
  struct Field;

  static JsonShape String();
  static JsonShape Bool();
  static JsonShape Uint64();  // an integer in [0, 2^64)
  static JsonShape Int64();   // an integer in [-2^63, 2^63)
  static JsonShape ArrayOf(JsonShape element);
  // An object with these fields (see Required and Optional); other fields are allowed.
  static JsonShape Object(std::vector<Field> fields);

  // The same shape, or null.
  JsonShape OrNull() const;

  // Empty when `j` has this shape; otherwise where and how the first difference is, e.g.
  // "items[3].seq is a string, not an unsigned 64-bit integer".
  std::string Mismatch(const nlohmann::json& j) const;

 private:
  enum class Type { kString, kBool, kUint64, kInt64, kArray, kObject };
  explicit JsonShape(Type type) : type_(type) {}
  std::string Mismatch(const nlohmann::json& j, const std::string& path) const;
  static const char* Describe(Type type);

  Type type_;
  bool nullable_ = false;
  std::vector<JsonShape> element_;  // kArray: one shape for every element
  std::vector<Field> fields_;       // kObject
};

struct JsonShape::Field {
  std::string name;
  JsonShape shape;
  bool required = true;
};

// A field the object must hold, or may lack (but if present, it has `shape`).
JsonShape::Field Required(std::string name, JsonShape shape);
JsonShape::Field Optional(std::string name, JsonShape shape);

// The JSON of a 2xx reply `res` to `request` ("GET /v1/alerts?limit=100"), checked against
// `shape`; `what` names what was expected ("a page of alerts"). Errors: kIoError with
// "the server's reply to GET /v1/alerts is not a page of alerts: <reason>", the reason being
// an empty body, a body that is not JSON (its content type named), JSON that ends early, JSON
// nested too deep, or the first place where the shape differs.
Result<nlohmann::json> ParseReply(const Response& res, const std::string& request,
                                  const JsonShape& shape, const std::string& what);

// The shapes of the server's replies, as far as the vigil command relies on them: the client's
// reading of docs/openapi.json, defined once here and used by every command that asks.
// "Page" is {"items": [...], "next": cursor or null}.
const JsonShape& MeShape();               // GET /v1/me: participant, role, key, record
const JsonShape& ReceiptShape();          // POST /v1/entries, 200 or 201
const JsonShape& LogInfoShape();          // GET /v1/log: origin, verifier_key, size
const JsonShape& EntryShape();            // GET /v1/entries/{seq}: entry, inclusion, checkpoint
const JsonShape& ProofShape();            // GET /v1/proof/inclusion and /consistency
const JsonShape& CatalogShape();          // GET /v1/catalog: substances with id and unit
const JsonShape& ParticipantShape();      // GET /v1/participants/{id}: one record
const JsonShape& ParticipantPageShape();  // GET /v1/participants: a page of records
// GET /v1/participants/{id}/trail: a page of {seq, type, entry}; with ?proofs=1 each item also
// has "inclusion" and the page the "checkpoint" they lead to.
const JsonShape& TrailPageShape();
const JsonShape& StockShape();           // GET .../stock: an array of stock lines
const JsonShape& StockHistoryShape();    // GET .../stock?substance=: {stock, history, substance}
const JsonShape& TransferPageShape();    // GET /v1/transfers
const JsonShape& AlertPageShape();       // GET /v1/alerts
const JsonShape& InspectionPageShape();  // GET /v1/inspections
const JsonShape& PersonalShape();        // GET /v1/personal/{seq}: seq, personal (JSON text)

}  // namespace vigil::cli

#endif  // VIGIL_CLI_REPLY_SHAPE_H_
