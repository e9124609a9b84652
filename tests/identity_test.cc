// Issue 14, "identities that are exact": the pure rules of ledger/state/identity.h, then each
// rule of participant.register / participant.update that uses them (a dishonest input refused
// with its own violation code and nothing written, its honest twin accepted), the tax-code
// index, licence numbers with '/' in state keys, and the catalogue's folded names and salts.
#include "ledger/state/identity.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "ledger/state/catalog.h"
#include "ledger/state/registry.h"
#include "ledger/state/state_keys.h"
#include "tests/domain_fixture.h"

namespace vigil {
namespace {

using testing::DomainFixture;
using testing::Json;
using testing::kAcetone;
using testing::kEphedrine;

// "Hà Nội" composed (NFC) and decomposed (NFD: a + U+0300, o + U+0323 + U+0302).
const std::string kHaNoiNfc = "H\u00e0 N\u1ed9i";
const std::string kHaNoiNfd = "Ha\u0300 No\u0323\u0302i";

Json Licence(std::string_view kind, std::string_view number, std::vector<std::string> substances,
             std::string_view issued = "2026-01-01", std::string_view expires = "2027-12-31") {
  Json l = {{"kind", kind}, {"number", number}, {"issued", issued}, {"expires", expires}};
  if (!substances.empty()) l["substances"] = substances;
  return l;
}

// The authority registering participants with a fresh key each time.
class Registry : public DomainFixture {
 public:
  Json Reg(const std::string& id, const Json& extra = Json::object()) {
    return RegisterPayload(id, "business", NewKey().public_key(), extra);
  }
  testing::Refusal No(const Json& payload, std::string_view violation) {
    return Reject(authority(), payload, Code::kRuleViolation, violation);
  }
  void Yes(const Json& payload) { Accept(authority(), payload); }
  Json Update(const std::string& id, const Json& fields) {
    Json f = fields;
    f["participant"] = id;
    return Make("participant.update", kAuthority, f);
  }
  std::optional<std::string> ByTax(std::string_view code) {
    Result<std::optional<std::string>> r = registry::ParticipantByTaxCode(state(), code);
    REQUIRE(r.ok());
    return *r;
  }
};

Substance Find(const StateStore& state, std::string_view ident) {
  Result<std::optional<Substance>> s = FindSubstance(state, ident);
  REQUIRE(s.ok());
  INFO(ident);
  REQUIRE(s->has_value());
  return **s;
}

bool Finds(const StateStore& state, std::string_view ident) {
  Result<std::optional<Substance>> s = FindSubstance(state, ident);
  REQUIRE(s.ok());
  return s->has_value();
}

// ---------------------------------------------------------------------------------------------
// The pure helpers.

TEST_CASE("IsNfc: composed text only, valid UTF-8 only", "[identity]") {
  CHECK(identity::IsNfc(kHaNoiNfc));
  CHECK(identity::IsNfc("Ha Noi"));
  CHECK(identity::IsNfc(""));
  CHECK_FALSE(identity::IsNfc(kHaNoiNfd));
  CHECK_FALSE(identity::IsNfc("Cong ty \xff"));  // not UTF-8
  CHECK_FALSE(identity::IsNfc("\xc3"));          // truncated sequence
}

TEST_CASE("FoldForSearch ignores case, Unicode form, diacritics and spacing", "[identity]") {
  CHECK(identity::FoldForSearch(kHaNoiNfc) == "ha noi");
  CHECK(identity::FoldForSearch(kHaNoiNfd) == "ha noi");
  CHECK(identity::FoldForSearch("H\u00c0 N\u1ed8I") == "ha noi");
  CHECK(identity::FoldForSearch("  ha \t noi ") == "ha noi");
  // Đ/đ are letters of their own, not a base letter and a mark.
  CHECK(identity::FoldForSearch("\u0110\u1ed3ng Nai") == "dong nai");
  CHECK(identity::FoldForSearch("\u0111\u01b0\u1eddng") == "duong");
  // Different words stay different.
  CHECK(identity::FoldForSearch("Ha Nam") != identity::FoldForSearch(kHaNoiNfc));
  CHECK(identity::FoldForSearch("67-64-1") == "67-64-1");
}

TEST_CASE("Participant ids are lower-case ASCII", "[identity]") {
  for (const char* ok : {"acme", "acme-2", "cty_hoa.chat", "0101234567", "a"}) {
    INFO(ok);
    CHECK(identity::ValidParticipantId(ok));
  }
  for (const char* bad : {"", "Acme", "ACME", "acme/2", "acme 2", "-acme", ".acme", "c\u00f4ng-ty",
                          "acme\xef\xbc\x8f"}) {
    INFO(bad);
    CHECK_FALSE(identity::ValidParticipantId(bad));
  }
  CHECK(identity::ValidParticipantId(std::string(128, 'a')));
  CHECK_FALSE(identity::ValidParticipantId(std::string(129, 'a')));
}

TEST_CASE("Tax codes: 10 digits or a 10+3 branch; EnterpriseOf is the 10-digit prefix",
          "[identity]") {
  CHECK(identity::ValidTaxCode("0101234567"));
  CHECK(identity::ValidTaxCode("0101234567-001"));
  for (const char* bad : {"", "010123456", "01012345678", "0101234567-01", "0101234567-0001",
                          "0101234567_001", "010123456A", " 0101234567", "0101234567-",
                          "\xef\xbc\x90\x31\x30\x31\x32\x33\x34\x35\x36\x37"}) {
    INFO(bad);
    CHECK_FALSE(identity::ValidTaxCode(bad));
  }
  CHECK(identity::EnterpriseOf("0101234567") == "0101234567");
  CHECK(identity::EnterpriseOf("0101234567-001") == "0101234567");
  CHECK(identity::EnterpriseOf("x") == "x");
}

TEST_CASE("Licence numbers: the so/ky hieu form with ASCII '/', no look-alikes", "[identity]") {
  for (const char* ok : {"123/GP-BCT", "05/2026/GP-UBND", "KD-0042", "GP.12_A"}) {
    INFO(ok);
    CHECK(identity::LicenceNumberProblem(ok).empty());
  }
  for (const char* bad : {"123\xef\xbc\x8fGP-BCT",  // fullwidth solidus U+FF0F
                          "123\u2215GP-BCT",        // division slash
                          "123/GP\u2010BCT",        // Unicode hyphen
                          "123/GP\u2013BCT",        // en dash
                          "123/GP\u2212BCT",        // minus sign
                          "123 /GP-BCT", "123/gp-bct", "/123", "123/", "123//GP", "", "KD#1"}) {
    INFO(bad);
    CHECK_FALSE(identity::LicenceNumberProblem(bad).empty());
  }
  CHECK_FALSE(identity::LicenceNumberProblem(std::string(65, 'A')).empty());
}

TEST_CASE("Expiry and licence keys keep a licence number with '/' whole", "[identity]") {
  CHECK(statekey::LicenceKey("05/2026/GP-UBND") == "licence/05/2026/GP-UBND");
  const std::string k = statekey::ExpiryKey(86400000, "acme", "05/2026/GP-UBND");
  CHECK(k == "expiry/000000086400000/acme/05/2026/GP-UBND");
  std::optional<statekey::ExpiryKeyParts> e = statekey::ParseExpiryKey(k);
  REQUIRE(e.has_value());
  CHECK(e->warn_ms == 86400000);
  CHECK(e->participant == "acme");
  CHECK(e->number == "05/2026/GP-UBND");
  CHECK(statekey::TaxCodeKey("0101234567-001") == "taxcode/0101234567-001");
}

// ---------------------------------------------------------------------------------------------
// participant.register and participant.update.

TEST_CASE("Identifying text must be NFC; the server never rewrites it", "[identity][registry]") {
  Registry w;
  w.No(w.Reg("nfd1", {{"legal_name", "C\u00f4ng ty " + kHaNoiNfd}}), "not_nfc");
  w.No(w.Reg("nfd2", {{"jurisdiction", {{"province", kHaNoiNfd}}}}), "not_nfc");
  w.No(w.Reg("nfd3", {{"jurisdiction",
                       {{"province", kHaNoiNfc}, {"commune", "Ho\u0300an Kie\u0302\u0301m"}}}}),
       "not_nfc");
  w.No(w.Reg("nfd4", {{"address", "1 Tra\u0300ng Tie\u0302\u0300n"}}), "not_nfc");
  w.No(
      w.Reg(
          "nfd5",
          {{"venues",
            Json::array({{{"id", "K1"}, {"kind", "karaoke"}, {"name", "Karaoke " + kHaNoiNfd}}})}}),
      "not_nfc");
  w.No(w.Reg("nfd6", {{"venues", Json::array({{{"id", "Pho\u0300ng-1"}, {"kind", "bar"}}})}}),
       "not_nfc");
  // The honest twin: the same text composed, stored byte for byte as signed.
  w.Yes(w.Reg(
      "nfc",
      {{"legal_name", "C\u00f4ng ty " + kHaNoiNfc},
       {"jurisdiction", {{"province", kHaNoiNfc}, {"commune", "Ho\u00e0n Ki\u1ebfm"}}},
       {"venues",
        Json::array({{{"id", "K1"}, {"kind", "karaoke"}, {"name", "Karaoke " + kHaNoiNfc}}})}}));
  Json rec = w.StateJson("participant/nfc");
  CHECK(rec["jurisdiction"]["province"] == kHaNoiNfc);
  // An update is held to the same rule.
  w.No(w.Update("nfc", {{"jurisdiction", {{"province", kHaNoiNfd}}}}), "not_nfc");
  w.Yes(w.Update("nfc", {{"jurisdiction", {{"province", "\u0110\u1ed3ng Nai"}}}}));
}

TEST_CASE("Participant ids are lower-case ASCII and unique", "[identity][registry]") {
  Registry w;
  w.Yes(w.Reg("acme"));
  w.No(w.Reg("Acme"), "bad_participant_id");  // would differ from "acme" only by case
  w.No(w.Reg("ACME"), "bad_participant_id");
  w.No(w.Reg("c\u00f4ng-ty"), "bad_participant_id");
  w.No(w.Reg("acme"), "participant_exists");
  w.Yes(w.Reg("acme-2"));
}

TEST_CASE("Tax codes: one enterprise registered once, branches explicit", "[identity][registry]") {
  Registry w;
  for (const char* bad : {"010123456", "0101234567-01", "01012345678", "O101234567"}) {
    INFO(bad);
    w.No(w.Reg("bad", {{"tax_code", bad}}), "bad_tax_code");
  }
  w.Yes(w.Reg("parent", {{"tax_code", "0101234567"}}));
  CHECK(w.ByTax("0101234567") == "parent");
  // The same enterprise again, under another id: refused, naming the holder.
  testing::Refusal r = w.No(w.Reg("twin", {{"tax_code", "0101234567"}}), "tax_code_exists");
  CHECK(r.message().find("parent") != std::string::npos);
  // A branch is a registration of its own, and itself registered once.
  w.Yes(w.Reg("branch", {{"tax_code", "0101234567-001"}}));
  CHECK(w.ByTax("0101234567-001") == "branch");
  CHECK(identity::EnterpriseOf("0101234567-001") == "0101234567");
  w.No(w.Reg("branch2", {{"tax_code", "0101234567-001"}}), "tax_code_exists");
  w.Yes(w.Reg("branch2", {{"tax_code", "0101234567-002"}}));
  CHECK_FALSE(w.ByTax("0109999999").has_value());
  CHECK_FALSE(w.ByTax("not a code").has_value());

  // Updates: taking another's code is refused; restating one's own is fine; a change frees
  // the old code.
  w.No(w.Update("branch2", {{"tax_code", "0101234567"}}), "tax_code_exists");
  w.No(w.Update("branch2", {{"tax_code", "0101234567 "}}), "bad_tax_code");
  w.Yes(w.Update("parent", {{"tax_code", "0101234567"}}));
  w.Yes(w.Update("parent", {{"tax_code", "0107654321"}}));
  CHECK(w.ByTax("0107654321") == "parent");
  CHECK_FALSE(w.ByTax("0101234567").has_value());
  w.Yes(w.Reg("newco", {{"tax_code", "0101234567"}}));
  CHECK(w.ByTax("0101234567") == "newco");
  // A revoked participant keeps its code: the enterprise is not registered a second time.
  w.Yes(w.Make("participant.revoke", DomainFixture::kAuthority,
               {{"participant", "newco"}, {"reason", "closed"}}));
  w.No(w.Reg("newco2", {{"tax_code", "0101234567"}}), "tax_code_exists");
}

TEST_CASE("Licence numbers with '/' are accepted; look-alikes refused; unique",
          "[identity][registry]") {
  Registry w;
  auto with = [](std::string_view number) {
    return Json{{"licences", Json::array({Licence("precursor_trading", number, {kAcetone})})}};
  };
  for (const char* bad : {"123\xef\xbc\x8fGP-BCT", "123\u2215GP-BCT", "123/GP\u2010BCT",
                          "123/GP BCT", "123/gp-bct"}) {
    INFO(bad);
    w.No(w.Reg("lookalike", with(bad)), "bad_licence_number");
  }
  w.Yes(w.Reg("slash", with("123/GP-BCT")));
  CHECK(w.state().contents().at("licence/123/GP-BCT") == "slash");
  w.No(w.Reg("other", with("123/GP-BCT")), "licence_taken");
  w.Yes(w.Reg("other", with("124/GP-BCT")));
}

TEST_CASE("A licence number with '/' gets its expiry warning", "[identity][registry]") {
  Registry w;
  w.Register("pol", "police");
  w.Yes(w.Reg("soon",
              {{"licences", Json::array({Licence("precursor_use", "05/2026/GP-UBND", {kAcetone},
                                                 "2026-01-01", "2026-07-15")})}}));
  w.SetTime("2026-06-15T00:00:00Z");  // 30 days before 2026-07-15
  w.Accept(w.Key("pol"), w.Make("police.note", "pol", {{"text", "tick"}}));
  std::vector<Json> a = w.Alerts("licence_expiring");
  REQUIRE(a.size() == 1);
  CHECK(a[0]["participant"] == "soon");
  CHECK(a[0]["licence"] == "05/2026/GP-UBND");
}

// ---------------------------------------------------------------------------------------------
// The catalogue: Vietnamese names, synonyms, salts.

TEST_CASE("Substances resolve by folded English and Vietnamese names and synonyms",
          "[identity][catalog]") {
  MemoryStateStore empty;
  CHECK(Find(empty, "Kali permanganat").id == "7722-64-7");
  CHECK(Find(empty, "KALI  PERMANGANAT").id == "7722-64-7");
  CHECK(Find(empty, "Axeton").id == kAcetone);
  CHECK(Find(empty, "Ax\u00eaton").id == kAcetone);   // with a diacritic
  CHECK(Find(empty, "propan-2-one").id == kAcetone);  // a synonym
  CHECK(Find(empty, "Axit sunfuric").id == "7664-93-9");
  CHECK(Find(empty, "sulfuric acid").id == "7664-93-9");
  CHECK(Find(empty, "Dietyl ete").id == "60-29-7");
  CHECK(Find(empty, "acetone").id == kAcetone);  // English, as before
  CHECK_FALSE(Finds(empty, "Axeton lo\u1ea1i 2"));
  CHECK_FALSE(Finds(empty, ""));
}

TEST_CASE("catalog.add indexes folded Vietnamese names and synonyms", "[identity][catalog]") {
  Registry w;
  const Json sub = {{"id", "GBL"},
                    {"name_en", "gamma-Butyrolactone"},
                    {"name_vi", "Gamma-butyrolacton \u0111\u1eb7c"},
                    {"table", "IVA"},
                    {"unit", "L"},
                    {"cas", Json::array({"96-48-0"})},
                    {"synonyms", Json::array({"GBL lactone"})}};
  w.Yes(w.Make("catalog.add", DomainFixture::kAuthority, {{"substance", sub}}));
  CHECK(Find(w.state(), "gamma-butyrolacton dac").id == "GBL");
  CHECK(Find(w.state(), "gbl LACTONE").id == "GBL");
  CHECK(Find(w.state(), "96-48-0").id == "GBL");
  // A name of an existing substance, however written, is taken.
  Json dup = sub;
  dup["id"] = "X1";
  dup["name_en"] = "Something";
  dup["name_vi"] = "AXETON";
  dup["cas"] = Json::array();
  dup["synonyms"] = Json::array();
  w.No(w.Make("catalog.add", DomainFixture::kAuthority, {{"substance", dup}}), "substance_exists");
}

TEST_CASE("Ephedrine and pseudoephedrine hydrochloride are salts counted as base",
          "[identity][catalog]") {
  MemoryStateStore empty;
  // 10^6 x 165.236 / 201.694 (C10H15NO and its HCl salt, IUPAC standard atomic weights).
  Substance e = Find(empty, "50-98-6");
  CHECK(e.id == kEphedrine);
  REQUIRE(e.form.has_value());
  CHECK(e.form->cas == "50-98-6");
  CHECK(e.form->base_ppm == 819241);
  Substance p = Find(empty, "345-78-8");
  CHECK(p.id == "90-82-4");
  REQUIRE(p.form.has_value());
  CHECK(p.form->base_ppm == 819241);
  // The base substance, by id or name: no salt form.
  CHECK_FALSE(Find(empty, kEphedrine).form.has_value());
  CHECK_FALSE(Find(empty, "Ephedrin").form.has_value());
  CHECK(Substance::FromJson(e.ToJson())->salts.size() == 1);
}

TEST_CASE("A purchase of ephedrine hydrochloride adds its base amount to stock",
          "[identity][chemicals]") {
  Registry w;
  w.Register("trader", "business",
             {{"licences", Json::array({Licence("precursor_trading", "KD-0001", {kEphedrine})})}});
  auto purchase = [&](std::string_view substance, std::string_view quantity) {
    return w.Make("chem.purchase", "trader",
                  {{"substance", substance},
                   {"quantity", quantity},
                   {"unit", "kg"},
                   {"lot", "LOT-1"},
                   {"packaging", "drum"},
                   {"transport", "truck"},
                   {"purpose", "trade"},
                   {"party",
                    {{"name", "Cong ty Hoa chat"},
                     {"enterprise_code", "0100000001"},
                     {"licence_number", "GP-0100000001"},
                     {"country", "VN"},
                     {"invoice", "HD-1"}}}});
  };
  auto buy = [&](std::string_view substance, std::string_view quantity) {
    return w.Accept(w.Key("trader"), purchase(substance, quantity));
  };
  buy(kEphedrine, "1");  // the honest twin: the base substance, counted whole
  CHECK(w.Stock("trader", kEphedrine) == 1'000'000);
  buy("50-98-6", "1");  // 1 kg of the hydrochloride is 819.241 g of ephedrine
  CHECK(w.Stock("trader", kEphedrine) == 1'000'000 + 819'241);
  buy("50-98-6", "0.000003");  // 3 mg of salt: floor(3 x 0.819241) = 2 mg
  CHECK(w.Stock("trader", kEphedrine) == 1'000'000 + 819'241 + 2);
  // 1 mg of salt has a base part that rounds to nothing: refused, not recorded as zero.
  w.Reject(w.Key("trader"), purchase("50-98-6", "0.000001"), Code::kRuleViolation, "bad_quantity");
  buy(kEphedrine, "0.000001");  // 1 mg of the base is still 1 mg
  CHECK(w.Stock("trader", kEphedrine) == 1'000'000 + 819'241 + 2 + 1);
}

}  // namespace
}  // namespace vigil
