// A realistic demonstration scenario for a Hà Nội log, as data: ~90 days of registrations,
// chemical movements, inspections, corrections and erasures, built relative to a given time so
// that every record is in the past and every licence is valid when it is used. `vigil demo`
// submits it to a fresh log (over HTTP or directly); tests replay it and check that every alert
// kind of the state machine fires.
//
// People are never named in entries (DESIGN §4.1): officials are registered by unit and badge
// number, and the one record that names a person carries it as personal side data.
#ifndef VIGIL_CLI_DEMO_SCENARIO_H_
#define VIGIL_CLI_DEMO_SCENARIO_H_

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "keys/key.h"
#include "keys/result.h"
#include "ledger/admission.h"
#include "ledger/log/log.h"

namespace vigil::cli {

// A participant the scenario registers (the log's first authority is not one of them).
struct DemoParticipant {
  std::string id;    // participant id; also the name of its current key in Scenario::keys
  std::string role;  // "police", "inspector" or "business"
  std::string what;  // one line saying who it is, for summaries
};

// A payload field that holds the seq of an earlier step, known only once that step is in the
// log (inspection acks, corrections, erasures, police notes).
struct SeqRef {
  nlohmann::json::json_pointer field;  // e.g. "/inspection_seq" or "/refs/0"
  size_t step;                         // index into Scenario::steps; always an earlier step
};

struct ScenarioStep {
  std::string signer;                  // key name in Scenario::keys
  nlohmann::json payload;              // the record, with 0 where seq_refs go
  std::vector<std::string> cosigners;  // key names of witnesses
  std::vector<SeqRef> seq_refs;
  // Personal side data (ledger/personal.h): the JSON object's exact bytes and the raw 16-byte
  // salt, or both empty. When set, payload["personal_commitment"] already commits to them.
  std::string personal;
  std::string personal_salt;
};

struct Scenario {
  std::string authority_id;  // the log's first authority (entry 0)
  std::vector<DemoParticipant> participants;
  // Every signing key by name: the authority's under authority_id, each participant's current
  // key under its id, and retired keys under "<id>.old".
  std::map<std::string, SecretKey> keys;
  std::vector<ScenarioStep> steps;
  // Indexes of notable steps, for tests.
  size_t personal_step = 0;  // the record carrying personal side data
  size_t erasure_step = 0;   // the authority's erasure of it
  // The alert kinds the scenario is built to raise (every kind the state machine knows).
  std::vector<std::string> alert_kinds;
};

// Builds the scenario with fresh keys for every participant. Every "at" lies between about 95
// days and 1 day before `now_ms`; the steps must be appended in order to a log whose only entry
// is the genesis registration of `authority_id` by `authority`.
Scenario BuildScenario(int64_t now_ms, const std::string& authority_id, SecretKey authority);

// The submission of step `i`, signed for the log `origin` by its signer and cosigners. `seqs[k]`
// is the seq of step k in the log; every step `i` refers to must have one. kInvalidArgument if
// one is missing or a key name is unknown (a bug in the scenario).
Result<Submission> SignStep(const Scenario& scenario, std::string_view origin, size_t i,
                            const std::vector<std::optional<uint64_t>>& seqs);

// The body of POST /v1/entries for `sub` (DESIGN §6).
nlohmann::json SubmissionBody(const Submission& sub);

}  // namespace vigil::cli

#endif  // VIGIL_CLI_DEMO_SCENARIO_H_
