// Read-only queries over the derived state (the audit views of docs/api.md): participants,
// trails, stock, transfers, inspections, alerts, the catalogue. Each runs inside one read
// transaction, so it sees one consistent log size. Paged results carry an opaque `next`
// cursor (a state key) to pass back as `after`. Thread-safe: no shared state.
#ifndef VIGIL_LEDGER_STATE_QUERIES_H_
#define VIGIL_LEDGER_STATE_QUERIES_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "keys/result.h"
#include "ledger/layering.h"
#include "ledger/log/db.h"
#include "ledger/state/state.h"
#include "ledger/state/state_store.h"

namespace vigil::queries {

inline constexpr size_t kMaxPage = 500;

struct Page {
  nlohmann::json items = nlohmann::json::array();
  std::optional<std::string> next;  // pass back as `after` for the following page
  nlohmann::json ToJson() const;
};

// A participant's registration record and status; kNotFound if unknown.
Result<nlohmann::json> GetParticipant(db::Txn& txn, const std::string& id);

struct ParticipantFilter {
  std::string role;      // exact role, or empty
  std::string text;      // folded (identity::FoldForSearch) substring of id, legal name, tax
                         // code, licence numbers, venue ids and names; empty matches all
  std::string province;  // jurisdiction equal once both are folded, or empty
  std::string commune;
  std::string substance;  // catalogue id: a licence covers it or the participant has held it
};
Result<Page> ListParticipants(db::Txn& txn, const ParticipantFilter& f, const std::string& after,
                              size_t limit);

// Entries by or naming `participant`, oldest first, with their bytes:
// items [{"seq","type","entry"}]; only the types a `reader` may read (access::MayReadType).
Result<Page> Trail(db::Txn& txn, const std::string& participant, Role reader,
                   const std::string& after, size_t limit);

// Current stock per substance: [{"substance","name_en","name_vi","amount","unit","display"}]
// (amount in mg or µL; display like "12.5 L").
Result<nlohmann::json> Stock(db::Txn& txn, const std::string& participant);
// Stock of one substance after each entry that changed it: [{"seq","amount"}].
Result<nlohmann::json> StockHistory(db::Txn& txn, const std::string& participant,
                                    const std::string& substance);

struct TransferFilter {
  std::string participant;  // sender or receiver; empty: all
  std::string status;       // open, received, short (received less: the rest in transit),
                            // voided, overdue (open past its due time at `now_ms`); empty: all
  int64_t now_ms = 0;
};
Result<Page> Transfers(db::Txn& txn, const TransferFilter& f, const std::string& after,
                       size_t limit);

struct InspectionFilter {
  std::string business;
  std::string venue;
  std::string inspector;
};
Result<Page> Inspections(db::Txn& txn, const InspectionFilter& f, const std::string& after,
                         size_t limit);

struct AlertFilter {
  std::string kind;
  std::string participant;
  std::string province;  // equal once both are folded (identity::FoldForSearch), or empty
  std::string commune;
  std::optional<int64_t> from_ms;  // alert time >= from
  std::optional<int64_t> to_ms;    // alert time < to
  // Who reads: only the alerts access::MayReadAlert lets them.
  Role reader_role = Role::kAuthority;
  std::string reader;
};
// Newest first.
Result<Page> Alerts(db::Txn& txn, const AlertFilter& f, const std::string& after, size_t limit);

// The shipped catalogue plus catalog.add additions, public:
// {"substances":[...], "venue_checklist":[...], "stock_checklist":[...], "settings":{...}},
// without the limits (thresholds and access::LimitSetting settings).
Result<nlohmann::json> Catalog(db::Txn& txn);
// The limits, for readers access::MayReadLimits admits:
// {"thresholds":[{"substance","single_max","window_max","window_days","set_seq","unit"}],
//  "settings":{...limit settings}} (amounts in mg or µL, `unit` the substance's unit).
Result<nlohmann::json> Limits(db::Txn& txn);

}  // namespace vigil::queries

#endif  // VIGIL_LEDGER_STATE_QUERIES_H_
