#include "ledger/queries.h"

#include <algorithm>
#include <functional>

#include "keys/coding.h"
#include "keys/encoding.h"
#include "ledger/access.h"
#include "ledger/log/entry.h"
#include "ledger/state/catalog.h"
#include "ledger/state/domain.h"
#include "ledger/state/identity.h"
#include "ledger/state/quantity.h"
#include "ledger/state/state.h"
#include "ledger/state/state_codec.h"
#include "ledger/state/state_keys.h"
#include "ledger/txn_state_store.h"

namespace vigil::queries {

namespace {

using db::Table;

nlohmann::json Parse(std::string_view v) { return nlohmann::json::parse(v, nullptr, false); }

// Scans state keys with `prefix` from just after `after` (or the start), collecting up to
// `limit` items that `take` accepts (take returns nullopt to skip a record).
template <typename Take>
Result<Page> Collect(db::Txn& txn, std::string_view prefix, const std::string& after, size_t limit,
                     Take take) {
  Page page;
  limit = std::clamp<size_t>(limit, 1, kMaxPage);
  std::string start =
      after.empty() || !after.starts_with(prefix) ? std::string(prefix) : after + '\0';
  Status s = txn.Scan(Table::kState, start, [&](std::string_view k, std::string_view v) {
    if (!k.starts_with(prefix)) return false;
    std::optional<nlohmann::json> item = take(k, v);
    if (!item.has_value()) return true;
    if (page.items.size() == limit) {
      page.next = page.items.back()["_key"].get<std::string>();
      return false;
    }
    (*item)["_key"] = std::string(k);
    page.items.push_back(std::move(*item));
    return true;
  });
  if (!s.ok()) return s;
  for (auto& i : page.items) i.erase("_key");
  return page;
}

// Search and filters compare folded text (identity::FoldForSearch: case, Unicode form and
// diacritics ignored), so "ha noi" finds "Hà Nội" however it was typed.
bool Contains(const std::string& haystack, const std::string& folded_needle) {
  return identity::FoldForSearch(haystack).find(folded_needle) != std::string::npos;
}

// True if `filter` (already folded) is empty or equals `value` folded.
bool Matches(const std::string& folded_filter, const std::string& value) {
  return folded_filter.empty() || identity::FoldForSearch(value) == folded_filter;
}

// Calls fn(item) for each item of the trail chunks under `prefix` (a participant's), in seq
// order, from the chunk whose key is `start` or after, until fn returns false. A chunk that
// does not decode is kCorruption.
Status ScanTrail(db::Txn& txn, const std::string& prefix, const std::string& start,
                 const std::function<bool(const codec::TrailItem&)>& fn) {
  Status damaged;
  Status s = txn.Scan(Table::kState, start, [&](std::string_view k, std::string_view v) {
    if (!k.starts_with(prefix)) return false;
    Result<std::vector<codec::TrailItem>> items = codec::DecodeTrailChunk(v);
    if (!items.ok()) {
      damaged = items.status();
      return false;
    }
    for (const codec::TrailItem& item : *items) {
      if (!fn(item)) return false;
    }
    return true;
  });
  return s.ok() ? damaged : s;
}

}  // namespace

nlohmann::json Page::ToJson() const {
  return {{"items", items}, {"next", next.has_value() ? nlohmann::json(*next) : nlohmann::json()}};
}

Result<nlohmann::json> GetParticipant(db::Txn& txn, const std::string& id) {
  Result<std::optional<std::string>> v = txn.Get(Table::kState, statekey::ParticipantKey(id));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return Status(Code::kNotFound, "no participant \"" + id + "\"");
  nlohmann::json j = Parse(**v);
  j["participant"] = id;
  return j;
}

Result<Page> ListParticipants(db::Txn& txn, const ParticipantFilter& f, const std::string& after,
                              size_t limit) {
  const std::string needle = identity::FoldForSearch(f.text);
  const std::string province = identity::FoldForSearch(f.province);
  const std::string commune = identity::FoldForSearch(f.commune);
  Status io;
  Result<Page> page =
      Collect(txn, statekey::kParticipantPrefix, after, limit,
              [&](std::string_view k, std::string_view v) -> std::optional<nlohmann::json> {
                nlohmann::json p = Parse(v);
                if (!f.role.empty() && p.value("role", "") != f.role) return std::nullopt;
                const nlohmann::json j = p.value("jurisdiction", nlohmann::json::object());
                if (!Matches(province, j.value("province", "")) ||
                    !Matches(commune, j.value("commune", ""))) {
                  return std::nullopt;
                }
                if (!needle.empty()) {
                  bool hit = Contains(p.value("participant", ""), needle) ||
                             Contains(p.value("legal_name", ""), needle) ||
                             Contains(p.value("tax_code", ""), needle);
                  for (const auto& l : p.value("licences", nlohmann::json::array())) {
                    hit = hit || Contains(l.value("number", ""), needle);
                  }
                  for (const auto& ven : p.value("venues", nlohmann::json::array())) {
                    hit = hit || Contains(ven.value("id", ""), needle) ||
                          Contains(ven.value("name", ""), needle);
                  }
                  if (!hit) return std::nullopt;
                }
                if (!f.substance.empty()) {
                  bool hit = false;
                  for (const auto& l : p.value("licences", nlohmann::json::array())) {
                    for (const auto& sub : l.value("substances", nlohmann::json::array())) {
                      hit = hit || (sub.is_string() && sub.get<std::string>() == f.substance);
                    }
                  }
                  // Or it has had stock of it (a stock record exists, zero or not), licensed for it
                  // or not.
                  const std::string held = statekey::StockKey(
                      statekey::ParseParticipantKey(k).value_or(""), f.substance);
                  if (!hit) {
                    Result<std::optional<std::string>> stock = txn.Get(Table::kState, held);
                    if (!stock.ok()) {
                      io = stock.status();
                    } else {
                      hit = stock->has_value();
                    }
                  }
                  if (!hit) return std::nullopt;
                }
                return p;
              });
  if (!io.ok()) return io;
  return page;
}

Result<Page> Trail(db::Txn& txn, const std::string& participant, Role reader,
                   const std::string& after, size_t limit) {
  // The trail is stored in chunks of items (state_codec.h); the cursor is the text key
  // "trail/<participant>/<20-digit seq>" of the last item returned.
  Page page;
  limit = std::clamp<size_t>(limit, 1, kMaxPage);
  const std::string prefix = statekey::TrailPrefix(participant);
  std::optional<uint64_t> after_seq;
  if (after.starts_with(prefix)) {
    after_seq = statekey::ParseTrailCursor(participant, after);
    if (!after_seq.has_value()) return page;  // not a cursor of this trail: nothing sorts after it
  }
  const std::string start =
      after_seq.has_value() ? statekey::TrailKey(participant, *after_seq + 1) : prefix;
  Status io;
  Status s = ScanTrail(txn, prefix, start, [&](const codec::TrailItem& item) {
    if (after_seq.has_value() && item.seq <= *after_seq) return true;
    if (page.items.size() == limit) {
      page.next = statekey::TrailCursor(participant, page.items.back()["seq"].get<uint64_t>());
      return false;
    }
    const RecordType* type = FindRecordTypeByCode(item.type_code);
    if (type == nullptr) {
      io = Status(Code::kCorruption, "damaged trail item of entry " + std::to_string(item.seq));
      return false;
    }
    if (!access::MayReadType(reader, type->type)) return true;
    Result<std::optional<std::string>> e = txn.Get(Table::kEntries, EncodeBigEndian64(item.seq));
    if (!e.ok() || !e->has_value()) {
      io = e.ok() ? Status(Code::kCorruption, "trail names a missing entry") : e.status();
      return false;
    }
    page.items.push_back({{"seq", item.seq}, {"type", std::string(type->type)}, {"entry", **e}});
    return true;
  });
  if (!s.ok()) return s;
  if (!io.ok()) return io;
  return page;
}

Result<nlohmann::json> Stock(db::Txn& txn, const std::string& participant) {
  nlohmann::json out = nlohmann::json::array();
  const std::string prefix = statekey::StockPrefix(participant);
  std::vector<std::pair<std::string, int64_t>> rows;
  Status s = txn.Scan(Table::kState, prefix, [&](std::string_view k, std::string_view v) {
    if (!k.starts_with(prefix)) return false;
    rows.emplace_back(std::string(k.substr(prefix.size())), std::stoll(std::string(v)));
    return true;
  });
  if (!s.ok()) return s;
  TxnStateStore state(txn);
  for (const auto& [id, amount] : rows) {
    Result<std::optional<Substance>> sub = FindSubstance(state, id);
    if (!sub.ok()) return sub.status();
    const Measure m = sub->has_value() ? (*sub)->measure : Measure::kMass;
    out.push_back({{"substance", id},
                   {"name_en", sub->has_value() ? (*sub)->name_en : id},
                   {"name_vi", sub->has_value() ? (*sub)->name_vi : ""},
                   {"amount", amount},
                   {"unit", m == Measure::kMass ? "mg" : "uL"},
                   {"display", FormatQuantity(amount, m)}});
  }
  return out;
}

Result<nlohmann::json> StockHistory(db::Txn& txn, const std::string& participant,
                                    const std::string& substance) {
  // The stock after each entry is kept in the participant's trail records (codec.h).
  nlohmann::json out = nlohmann::json::array();
  const std::string prefix = statekey::TrailPrefix(participant);
  Status s = ScanTrail(txn, prefix, prefix, [&](const codec::TrailItem& item) {
    for (const auto& [sub, amount] : item.stock) {
      if (sub == substance) out.push_back({{"seq", item.seq}, {"amount", amount}});
    }
    return true;
  });
  if (!s.ok()) return s;
  return out;
}

Result<Page> Transfers(db::Txn& txn, const TransferFilter& f, const std::string& after,
                       size_t limit) {
  return Collect(
      txn, statekey::kTransferPrefix, after, limit,
      [&](std::string_view k, std::string_view v) -> std::optional<nlohmann::json> {
        nlohmann::json t = codec::DecodeJson(k, v).value_or(nlohmann::json());
        if (!f.participant.empty() && t.value("from", "") != f.participant &&
            t.value("to", "") != f.participant) {
          return std::nullopt;
        }
        const std::string status = t.value("status", "");
        Result<int64_t> due = ParseTimestamp(t.value("due", ""));
        const bool overdue = status == "open" && due.ok() && *due < f.now_ms;
        t["overdue"] = overdue;
        if (f.status.empty() || f.status == status || (f.status == "overdue" && overdue)) {
          return t;
        }
        return std::nullopt;
      });
}

Result<Page> Inspections(db::Txn& txn, const InspectionFilter& f, const std::string& after,
                         size_t limit) {
  return Collect(txn, statekey::kInspectionPrefix, after, limit,
                 [&](std::string_view, std::string_view v) -> std::optional<nlohmann::json> {
                   nlohmann::json i = Parse(v);
                   if (!f.business.empty() && i.value("business", "") != f.business)
                     return std::nullopt;
                   if (!f.venue.empty() && i.value("venue", "") != f.venue) return std::nullopt;
                   if (!f.inspector.empty() && i.value("inspector", "") != f.inspector)
                     return std::nullopt;
                   return i;
                 });
}

Result<Page> Alerts(db::Txn& txn, const AlertFilter& f, const std::string& after, size_t limit) {
  Page page;
  limit = std::clamp<size_t>(limit, 1, kMaxPage);
  const std::string_view prefix = statekey::kAlertPrefix;
  // Newest first: scan backwards from just before `after`.
  std::string start = after.starts_with(prefix) ? after : std::string(prefix) + "\xff";
  bool skip_first = after.starts_with(prefix);
  const std::string province = identity::FoldForSearch(f.province);
  const std::string commune = identity::FoldForSearch(f.commune);
  Status s = txn.ScanBack(Table::kState, start, [&](std::string_view k, std::string_view v) {
    if (!k.starts_with(prefix)) return false;
    if (skip_first && k == after) return true;
    nlohmann::json a = Parse(v);
    Result<int64_t> at = ParseTimestamp(a.value("at", ""));
    if (f.to_ms.has_value() && at.ok() && *at >= *f.to_ms) return true;
    if (f.from_ms.has_value() && at.ok() && *at < *f.from_ms) return false;  // older from here on
    const nlohmann::json j = a.value("jurisdiction", nlohmann::json::object());
    if (!access::MayReadAlert(f.reader_role, f.reader, a.value("kind", ""),
                              a.value("participant", "")) ||
        (!f.kind.empty() && a.value("kind", "") != f.kind) ||
        (!f.participant.empty() && a.value("participant", "") != f.participant) ||
        !Matches(province, j.value("province", "")) || !Matches(commune, j.value("commune", ""))) {
      return true;
    }
    if (page.items.size() == limit) {
      page.next = page.items.back()["_key"].get<std::string>();
      return false;
    }
    a["_key"] = std::string(k);
    page.items.push_back(std::move(a));
    return true;
  });
  if (!s.ok()) return s;
  for (auto& i : page.items) i.erase("_key");
  return page;
}

namespace {
// The jurisdiction's settings (defaults, then settings.set): the limits (access::LimitSetting)
// with `limits`, the others without.
Result<nlohmann::json> Settings(db::Txn& txn, bool limits) {
  nlohmann::json settings = nlohmann::json::object();
  const nlohmann::json defaults = domain::Settings().ToJson();
  for (const auto& [name, value] : defaults.items()) {
    if (access::LimitSetting(name) == limits) settings[name] = value;
  }
  auto each_setting = [&](std::string_view k, std::string_view v) {
    std::optional<std::string_view> name = statekey::ParseSettingKey(k);
    if (!name.has_value()) return false;
    if (access::LimitSetting(*name) == limits) settings[std::string(*name)] = Parse(v);
    return true;
  };
  Status st = txn.Scan(Table::kState, statekey::kSettingPrefix, each_setting);
  if (!st.ok()) return st;
  return settings;
}
}  // namespace

Result<nlohmann::json> Catalog(db::Txn& txn) {
  TxnStateStore state(txn);
  nlohmann::json subs = nlohmann::json::array();
  for (const Substance& s : ShippedSubstances()) subs.push_back(s.ToJson());
  auto each_catalog = [&](std::string_view k, std::string_view v) {
    if (!k.starts_with(statekey::kCatalogPrefix)) return false;
    subs.push_back(Parse(v));
    return true;
  };
  Status st = txn.Scan(Table::kState, statekey::kCatalogPrefix, each_catalog);
  if (!st.ok()) return st;
  nlohmann::json out = {{"substances", subs}};
  for (Checklist list : {Checklist::kVenue, Checklist::kStock}) {
    Result<std::vector<ChecklistItem>> items = ChecklistItems(state, list);
    if (!items.ok()) return items.status();
    nlohmann::json a = nlohmann::json::array();
    for (const ChecklistItem& i : *items) a.push_back(i.ToJson());
    out[std::string(ChecklistName(list)) + "_checklist"] = a;
  }
  Result<nlohmann::json> settings = Settings(txn, /*limits=*/false);
  if (!settings.ok()) return settings.status();
  out["settings"] = *settings;
  return out;
}

Result<nlohmann::json> Limits(db::Txn& txn) {
  TxnStateStore state(txn);
  nlohmann::json thresholds = nlohmann::json::array();
  Status io;
  Status st = txn.Scan(
      Table::kState, statekey::kThresholdPrefix, [&](std::string_view k, std::string_view v) {
        if (!k.starts_with(statekey::kThresholdPrefix)) return false;
        nlohmann::json t = Parse(v);
        Result<std::optional<Substance>> s = FindSubstance(state, t.value("substance", ""));
        if (!s.ok()) {
          io = s.status();
          return false;
        }
        if (s->has_value()) t["unit"] = (*s)->unit;
        thresholds.push_back(std::move(t));
        return true;
      });
  if (!st.ok()) return st;
  if (!io.ok()) return io;
  Result<nlohmann::json> settings = Settings(txn, /*limits=*/true);
  if (!settings.ok()) return settings.status();
  return nlohmann::json{{"thresholds", thresholds}, {"settings", *settings}};
}

}  // namespace vigil::queries
