#include "tests/domain_fixture.h"

#include <catch2/catch.hpp>

#include "ledger/state/payload.h"
#include "ledger/state/state_codec.h"
#include "ledger/state/state_keys.h"
#include "tests/test_util.h"

namespace vigil::testing {

bool HasViolation(const Status& s, std::string_view code) {
  for (const Violation& v : s.details()) {
    if (v.code == code) return true;
  }
  return false;
}

std::string Describe(const Status& s) { return s.ToString(); }

DomainFixture::DomainFixture() {
  SetTime(kStart);
  SecretKey key = SecretKey::Generate();
  Json genesis = RegisterPayload(kAuthority, "authority", key.public_key(),
                                 {{"legal_name", "Provincial Police Command"}});
  Entry e = MakeEntry(key, genesis);
  keys_.emplace(kAuthority, std::move(key));
  REQUIRE(e.seq == 0);
  AcceptEntry(e);
}

void DomainFixture::SetTime(std::string_view rfc3339) {
  Result<int64_t> t = ParseTimestamp(rfc3339);
  REQUIRE(t.ok());
  now_ms_ = *t;
}

const SecretKey& DomainFixture::Key(const std::string& participant) const {
  auto it = keys_.find(participant);
  REQUIRE(it != keys_.end());
  return it->second;
}

const SecretKey& DomainFixture::NewKey() {
  extra_keys_.push_back(SecretKey::Generate());
  return extra_keys_.back();
}

Json DomainFixture::Make(std::string_view type, std::string_view actor, const Json& fields) {
  Json p = {{"type", type},
            {"id", "p-" + std::to_string(next_id_++)},
            {"actor", actor},
            {"at", FormatTimestamp(now_ms_)}};
  for (const auto& [k, v] : fields.items()) p[k] = v;
  return p;
}

Json DomainFixture::RegisterPayload(const std::string& id, std::string_view role,
                                    const PublicKey& key, const Json& extra) {
  Json fields = {{"participant", id},
                 {"role", role},
                 {"legal_name", id + " legal name"},
                 {"keys", Json::array({key.ToBase64()})}};
  for (const auto& [k, v] : extra.items()) fields[k] = v;
  return Make("participant.register", kAuthority, fields);
}

const SecretKey& DomainFixture::Register(const std::string& id, std::string_view role,
                                         const Json& extra) {
  REQUIRE(keys_.find(id) == keys_.end());
  SecretKey key = SecretKey::Generate();
  Json p = RegisterPayload(id, role, key.public_key(), extra);
  Accept(authority(), p);
  return keys_.emplace(id, std::move(key)).first->second;
}

Entry DomainFixture::MakeEntry(const SecretKey& key, const Json& payload,
                               const std::vector<const SecretKey*>& cosigners) const {
  Entry e;
  e.seq = seq_;
  e.ts_ms = now_ms_;
  e.signer = key.Id();
  e.payload = payload.dump();
  e.sig = key.Sign(SignContext::kEntry, testing::kTestOrigin, e.payload);
  for (const SecretKey* c : cosigners) {
    e.cosigners.push_back({c->Id(), c->Sign(SignContext::kEntry, testing::kTestOrigin, e.payload)});
  }
  return e;
}

Status DomainFixture::SubmitEntry(const Entry& e) {
  Result<Payload> p = ParsePayload(e.payload);
  if (!p.ok()) return p.status();
  Status s = Apply(state_, testing::kTestOrigin, e, *p);
  if (s.ok()) ++seq_;
  return s;
}

uint64_t DomainFixture::AcceptEntry(const Entry& e) {
  INFO("payload: " << e.payload);
  Status s = SubmitEntry(e);
  INFO(Describe(s));
  REQUIRE(s.ok());
  return e.seq;
}

Refusal DomainFixture::RejectEntry(const Entry& e, Code code, std::string_view violation,
                                   bool only) {
  const StateContents before = Snapshot();
  const uint64_t seq_before = seq_;
  Status s = SubmitEntry(e);
  INFO("payload: " << e.payload);
  INFO("expected " << CodeName(code) << " / " << violation << ", got " << Describe(s));
  CHECK(s.code() == code);
  CHECK(HasViolation(s, violation));
  if (only) {
    for (const Violation& v : s.details()) CHECK(v.code == violation);
  }
  CHECK(seq_ == seq_before);
  CHECK(Snapshot() == before);
  return Refusal{s};
}

std::vector<Json> DomainFixture::Alerts() const {
  std::vector<Json> out;
  Status s = state_.ScanPrefix(statekey::kAlertPrefix, [&](std::string_view, std::string_view v) {
    out.push_back(Json::parse(v));
    return true;
  });
  REQUIRE(s.ok());
  return out;
}

std::vector<Json> DomainFixture::Alerts(std::string_view kind) const {
  std::vector<Json> out;
  for (Json& a : Alerts()) {
    if (a.value("kind", "") == kind) out.push_back(std::move(a));
  }
  return out;
}

int64_t DomainFixture::Stock(std::string_view participant, std::string_view substance) const {
  auto it = state_.contents().find(statekey::StockKey(participant, substance));
  return it == state_.contents().end() ? 0 : std::stoll(it->second);
}

Json DomainFixture::StateJson(std::string_view key) const {
  auto it = state_.contents().find(key);
  return it == state_.contents().end() ? Json()
                                       : codec::DecodeJson(key, it->second).value_or(Json());
}

}  // namespace vigil::testing
