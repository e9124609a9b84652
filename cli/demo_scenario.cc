#include "cli/demo_scenario.h"

#include <sodium.h>

#include <algorithm>
#include <cassert>

#include "keys/encoding.h"
#include "ledger/log/entry.h"
#include "ledger/personal.h"
#include "ledger/state/catalog.h"
#include "ledger/state/domain.h"
#include "ledger/state/state_store.h"

namespace vigil::cli {

namespace {

constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kHanoiOffsetMs = 7 * 3'600'000;  // Indochina Time, UTC+7, no DST

// Catalogue ids (CAS numbers) of the substances the scenario moves.
constexpr char kAcetone[] = "67-64-1";
constexpr char kToluene[] = "108-88-3";
constexpr char kMek[] = "78-93-3";
constexpr char kSulphuricAcid[] = "7664-93-9";
constexpr char kHydrochloricAcid[] = "7647-01-0";
constexpr char kPermanganate[] = "7722-64-7";

// Participant ids.
constexpr char kPolice[] = "congan-pc04-cb1187";
constexpr char kInspectorTrade[] = "thanhtra-sct-ktv0217";
constexpr char kInspectorCulture[] = "thanhtra-svhtt-ktv0145";
constexpr char kWitness[] = "giamsat-snnmt-gs031";
constexpr char kAnPhu[] = "cty-hoachat-an-phu";
constexpr char kMinhLong[] = "cty-thuongmai-minh-long";
constexpr char kFactory[] = "nha-may-son-ha-dong";
constexpr char kKaraoke[] = "karaoke-hoa-mi";
constexpr char kDanceHall[] = "vu-truong-anh-sao";
constexpr char kBar[] = "bar-pho-co-night";

constexpr char kKaraokeVenue[] = "hoa-mi-cau-giay";
constexpr char kDanceVenue[] = "anh-sao-club";

nlohmann::json Jurisdiction(const char* commune) {
  return {{"province", "Hà Nội"}, {"commune", commune}};
}

nlohmann::json Qty(const char* quantity, const char* unit) {
  return {{"quantity", quantity}, {"unit", unit}};
}

std::string HexSha256(const std::string& text) { return HexEncode(AsView(Sha256(text))); }

// A document behind a record, referenced by number and by the SHA-256 of its scan.
nlohmann::json Doc(const std::string& kind, const std::string& number) {
  return {
      {"kind", kind}, {"number", number}, {"sha256", HexSha256("scan of " + kind + " " + number)}};
}

// The local rule the scenario adds to the venue checklist (checklist.add).
ChecklistItem CctvItem() {
  return {
      "V18",
      {"karaoke", "bar", "dance_hall"},
      "CCTV covers entrances, corridors and the cash desk; recordings are kept at least 30 days",
      "Camera giám sát lối ra vào, hành lang và quầy thu ngân; lưu hình ảnh tối thiểu 30 ngày",
      "Hà Nội People's Committee rule on entertainment venues (local)"};
}

// Every checklist item of `list` that applies to `venue_kind` ("" for stock), answered "pass"
// except those in `failed` ("fail") and `not_applicable` ("na").
nlohmann::json Answers(vigil::Checklist list, const std::string& venue_kind,
                       const std::vector<std::string>& failed,
                       const std::vector<std::string>& not_applicable = {}) {
  MemoryStateStore empty;
  Result<std::vector<ChecklistItem>> shipped = ChecklistItems(empty, list);
  assert(shipped.ok());
  std::vector<ChecklistItem> items = shipped.ok() ? *shipped : std::vector<ChecklistItem>{};
  if (list == vigil::Checklist::kVenue) items.push_back(CctvItem());
  nlohmann::json out = nlohmann::json::object();
  for (const ChecklistItem& item : items) {
    bool applies = venue_kind.empty() || item.applies_to.empty();
    for (const std::string& k : item.applies_to) applies = applies || k == venue_kind;
    if (!applies) continue;
    std::string answer = "pass";
    for (const std::string& f : failed) answer = f == item.code ? "fail" : answer;
    for (const std::string& n : not_applicable) answer = n == item.code ? "na" : answer;
    out[item.code] = answer;
  }
  return out;
}

// Builds steps with times relative to `now` in Hà Nội local time.
class Builder {
 public:
  Builder(int64_t now_ms, Scenario& s) : now_(now_ms), s_(s) {}

  // hh:mm local time on the day `days` before today (days >= 1, so never in the future).
  std::string At(int days, int hh, int mm) const {
    assert(days >= 1);
    const int64_t local_now = now_ + kHanoiOffsetMs;
    const int64_t midnight = local_now - local_now % kDayMs - days * kDayMs;
    return FormatTimestamp(midnight + (hh * 60 + mm) * 60'000).substr(0, 19) + "+07:00";
  }
  // The calendar date `days` from now (negative: in the past), YYYY-MM-DD.
  std::string Date(int days) const { return FormatTimestamp(now_ + days * kDayMs).substr(0, 10); }
  std::string Year() const { return Date(0).substr(0, 4); }

  // Creates the key `name` for participant `owner`.
  const SecretKey& NewKey(const std::string& name, const std::string& owner) {
    owner_[name] = owner;
    return s_.keys.emplace(name, SecretKey::Generate()).first->second;
  }
  void UseKey(const std::string& name, const std::string& owner) { owner_[name] = owner; }
  std::string KeyId(const std::string& name) const { return s_.keys.at(name).Id(); }

  size_t Add(const std::string& key, const std::string& type, const std::string& id,
             const std::string& at, const nlohmann::json& fields,
             std::vector<std::string> cosigners = {}) {
    assert(owner_.count(key) == 1);
    nlohmann::json p = {{"type", type}, {"id", id}, {"actor", owner_[key]}, {"at", at}};
    for (const auto& [k, v] : fields.items()) p[k] = v;
    ScenarioStep step;
    step.signer = key;
    step.payload = std::move(p);
    step.cosigners = std::move(cosigners);
    s_.steps.push_back(std::move(step));
    return s_.steps.size() - 1;
  }
  void Ref(size_t step, const std::string& field, size_t target) {
    s_.steps[step].seq_refs.push_back({nlohmann::json::json_pointer(field), target});
  }
  void Personal(size_t step, const nlohmann::json& personal) {
    unsigned char salt[16];
    randombytes_buf(salt, sizeof salt);
    ScenarioStep& st = s_.steps[step];
    st.personal = personal.dump();
    st.personal_salt.assign(reinterpret_cast<const char*>(salt), sizeof salt);
    st.payload["personal_commitment"] = PersonalCommitment(st.personal, st.personal_salt);
  }

  // The authority registers `p` with its fresh key.
  // `key_name` defaults to the participant id.
  size_t Register(const DemoParticipant& p, const std::string& at, nlohmann::json fields,
                  const std::string& key_name = "") {
    const SecretKey& key = NewKey(key_name.empty() ? p.id : key_name, p.id);
    s_.participants.push_back(p);
    fields["participant"] = p.id;
    fields["role"] = p.role;
    fields["keys"] = {key.public_key().ToBase64()};
    return Add(s_.authority_id, "participant.register", "reg-" + p.id, at, fields);
  }

 private:
  int64_t now_;
  Scenario& s_;
  std::map<std::string, std::string> owner_;  // key name -> participant id
};

// Movement fields shared by chemical records.
nlohmann::json Move(const char* substance, const char* quantity, const char* unit,
                    nlohmann::json extra) {
  nlohmann::json m = {{"substance", substance}, {"quantity", quantity}, {"unit", unit}};
  for (const auto& [k, v] : extra.items()) m[k] = v;
  return m;
}

nlohmann::json Party(const char* name, const char* code, const char* licence,
                     const std::string& invoice, const char* address) {
  return {{"name", name},       {"enterprise_code", code}, {"licence_number", licence},
          {"invoice", invoice}, {"address", address},      {"country", "VN"}};
}

void AuthoritySetUp(Builder& b, const std::string& authority) {
  b.Add(authority, "settings.set", "settings-hn-01", b.At(95, 8, 30),
        {{"settings",
          {{"receipt_days", 10},
           {"expiry_warning_days", 30},
           {"repeat_violation_days", 365},
           {"unusual_factor", 5},
           {"unusual_min_history", 3}}}});
  b.Add(authority, "catalog.add", "catalog-74-89-5", b.At(95, 8, 40),
        {{"substance",
          {{"id", "74-89-5"},
           {"name_en", "Methylamine"},
           {"name_vi", "Metylamin"},
           {"table", "IVB"},
           {"unit", "L"},
           {"cas", {"74-89-5"}},
           {"synonyms", {"monomethylamine", "aminomethane"}}}}});
  const ChecklistItem cctv = CctvItem();
  b.Add(authority, "checklist.add", "checklist-venue-V18", b.At(95, 8, 50),
        {{"list", "venue"},
         {"item",
          {{"code", cctv.code},
           {"applies_to", cctv.applies_to},
           {"item_en", cctv.item_en},
           {"item_vi", cctv.item_vi},
           {"basis", cctv.basis}}}});
  b.Add(authority, "threshold.set", "threshold-acetone-01", b.At(94, 9, 0),
        {{"substance", kAcetone},
         {"single_max", Qty("1500", "L")},
         {"window_days", 30},
         {"window_max", Qty("1000", "L")}});
  b.Add(authority, "threshold.set", "threshold-toluene-01", b.At(94, 9, 5),
        {{"substance", kToluene},
         {"single_max", Qty("10000", "L")},
         {"window_days", 30},
         {"window_max", Qty("30000", "L")}});
  b.Add(authority, "threshold.set", "threshold-mek-01", b.At(94, 9, 10),
        {{"substance", kMek},
         {"single_max", Qty("2000", "L")},
         {"window_days", 30},
         {"window_max", Qty("3000", "L")}});
  b.Add(authority, "threshold.set", "threshold-kmno4-01", b.At(94, 9, 15),
        {{"substance", kPermanganate},
         {"single_max", Qty("50", "kg")},
         {"window_days", 90},
         {"window_max", Qty("100", "kg")}});
}

nlohmann::json AnPhuTradingLicence(const Builder& b) {
  return {
      {"kind", "precursor_trading"},
      {"number", "GCN-KDTC-0153-HN"},
      {"issued", b.Date(-730)},
      {"expires", b.Date(1095)},
      {"substances", {kAcetone, kToluene, kMek, kSulphuricAcid, kHydrochloricAcid, kPermanganate}}};
}

void Registrations(Builder& b) {
  b.Register({kPolice, "police",
              "Công an TP Hà Nội, Phòng PC04 (cảnh sát điều tra tội phạm về ma túy), cán bộ số "
              "hiệu 118-702"},
             b.At(93, 8, 0),
             {{"legal_name", "Công an thành phố Hà Nội – Phòng PC04, cán bộ số hiệu 118-702"},
              {"address", "87 Trần Hưng Đạo, Phường Cửa Nam, Hà Nội"},
              {"jurisdiction", Jurisdiction("Phường Cửa Nam")}});
  b.Register(
      {kInspectorTrade, "inspector", "Thanh tra Sở Công Thương Hà Nội, kiểm tra viên KTV-0217"},
      b.At(93, 8, 10),
      {{"legal_name", "Sở Công Thương Hà Nội – Thanh tra sở, kiểm tra viên số hiệu KTV-0217"},
       {"address", "331 Cầu Giấy, Phường Cầu Giấy, Hà Nội"},
       {"jurisdiction", Jurisdiction("Phường Cầu Giấy")}});
  b.Register({kInspectorCulture, "inspector",
              "Thanh tra Sở Văn hóa và Thể thao Hà Nội, kiểm tra viên KTV-0145"},
             b.At(93, 8, 20),
             {{"legal_name",
               "Sở Văn hóa và Thể thao Hà Nội – Thanh tra sở, kiểm tra viên số hiệu KTV-0145"},
              {"address", "47 Hàng Dầu, Phường Hoàn Kiếm, Hà Nội"},
              {"jurisdiction", Jurisdiction("Phường Hoàn Kiếm")}});
  b.Register({kWitness, "inspector",
              "Sở Nông nghiệp và Môi trường Hà Nội, cán bộ giám sát tiêu hủy GS-031 (witness key)"},
             b.At(93, 8, 30),
             {{"legal_name",
               "Sở Nông nghiệp và Môi trường Hà Nội – Chi cục Bảo vệ môi trường, "
               "cán bộ giám sát số hiệu GS-031"},
              {"address", "18 Huỳnh Thúc Kháng, Phường Láng, Hà Nội"},
              {"jurisdiction", Jurisdiction("Phường Láng")}});
  b.Register({kAnPhu, "business", "Công ty TNHH Hóa chất An Phú: precursor trader, importer"},
             b.At(93, 9, 0),
             {{"legal_name", "Công ty TNHH Hóa chất An Phú"},
              {"tax_code", "0105829471"},
              {"address", "Lô CN3, Khu công nghiệp Ngọc Hồi, Xã Thanh Trì, Hà Nội"},
              {"jurisdiction", Jurisdiction("Xã Thanh Trì")},
              {"licences", {AnPhuTradingLicence(b)}}});
  b.Register({kMinhLong, "business",
              "Công ty Cổ phần Thương mại Minh Long: precursor trader (licence expiring)"},
             b.At(93, 9, 10),
             {{"legal_name", "Công ty Cổ phần Thương mại Minh Long"},
              {"tax_code", "0106377215"},
              {"address", "45 Nguyễn Văn Linh, Phường Long Biên, Hà Nội"},
              {"jurisdiction", Jurisdiction("Phường Long Biên")},
              {"licences",
               {{{"kind", "precursor_trading"},
                 {"number", "GCN-KDTC-0219-HN"},
                 {"issued", b.Date(-1805)},
                 {"expires", b.Date(20)},
                 {"substances", {kAcetone, kToluene, kMek}}}}}});
  b.Register({kFactory, "business", "Công ty Cổ phần Sơn Hà Đông: paint factory using precursors"},
             b.At(93, 9, 20),
             {{"legal_name", "Công ty Cổ phần Sơn Hà Đông"},
              {"tax_code", "0500236418"},
              {"address", "Km 17 Quốc lộ 6, Cụm công nghiệp Yên Nghĩa, Phường Yên Nghĩa, Hà Nội"},
              {"jurisdiction", Jurisdiction("Phường Yên Nghĩa")},
              {"licences",
               {{{"kind", "precursor_use"},
                 {"number", "GXN-SDTC-0042-HN"},
                 {"issued", b.Date(-400)},
                 {"expires", b.Date(1425)},
                 {"substances", {kToluene, kAcetone, kMek}}}}}});
  b.Register({kKaraoke, "business", "Công ty TNHH Dịch vụ Giải trí Họa Mi: karaoke, 5 rooms"},
             b.At(93, 9, 30),
             {{"legal_name", "Công ty TNHH Dịch vụ Giải trí Họa Mi"},
              {"tax_code", "0108914352"},
              {"address", "168 Cầu Giấy, Phường Cầu Giấy, Hà Nội"},
              {"jurisdiction", Jurisdiction("Phường Cầu Giấy")},
              {"licences",
               {{{"kind", "karaoke"},
                 {"number", "GPKD-KARAOKE-0458-HN"},
                 {"issued", b.Date(-380)},
                 {"expires", b.Date(1445)},
                 {"venue", kKaraokeVenue}}}},
              {"venues",
               {{{"id", kKaraokeVenue},
                 {"kind", "karaoke"},
                 {"name", "Karaoke Họa Mi"},
                 {"address", "168 Cầu Giấy, Phường Cầu Giấy, Hà Nội"},
                 {"rooms",
                  {{{"name", "P101"}, {"area_m2", "24.5"}},
                   {{"name", "P102"}, {"area_m2", "22.0"}},
                   {{"name", "P201"}, {"area_m2", "31.5"}},
                   {{"name", "P202"}, {"area_m2", "28.0"}},
                   {{"name", "VIP1"}, {"area_m2", "45.0"}}}},
                 {"hours", {{"open", "10:00"}, {"close", "00:00"}}}}}}},
             std::string(kKaraoke) + ".old");  // rotated later (key.add, key.revoke)
  b.Register({kDanceHall, "business", "Công ty Cổ phần Giải trí Ánh Sao: dance hall"},
             b.At(93, 9, 40),
             {{"legal_name", "Công ty Cổ phần Giải trí Ánh Sao"},
              {"tax_code", "0109273648"},
              {"address", "3 Lương Văn Can, Phường Hoàn Kiếm, Hà Nội"},
              {"jurisdiction", Jurisdiction("Phường Hoàn Kiếm")},
              {"licences",
               {{{"kind", "dance_hall"},
                 {"number", "GPKD-VUTRUONG-0071-HN"},
                 {"issued", b.Date(-600)},
                 {"expires", b.Date(1225)},
                 {"venue", kDanceVenue}}}},
              {"venues",
               {{{"id", kDanceVenue},
                 {"kind", "dance_hall"},
                 {"name", "Ánh Sao Club"},
                 {"address", "3 Lương Văn Can, Phường Hoàn Kiếm, Hà Nội"},
                 {"rooms",
                  {{{"name", "Sàn chính"}, {"area_m2", "186.0"}},
                   {{"name", "Sàn phụ"}, {"area_m2", "92.5"}}}},
                 {"hours", {{"open", "20:00"}, {"close", "02:00"}}}}}}});
  b.Register({kBar, "business", "Công ty TNHH Phố Cổ Night: bar (closed down, revoked)"},
             b.At(93, 9, 50),
             {{"legal_name", "Công ty TNHH Thương mại và Dịch vụ Phố Cổ Night"},
              {"tax_code", "0110458213"},
              {"address", "27 Tạ Hiện, Phường Hoàn Kiếm, Hà Nội"},
              {"jurisdiction", Jurisdiction("Phường Hoàn Kiếm")},
              {"licences",
               {{{"kind", "bar"},
                 {"number", "GPKD-BAR-0133-HN"},
                 {"issued", b.Date(-500)},
                 {"expires", b.Date(1325)},
                 {"venue", "pho-co-night-bar"}}}},
              {"venues",
               {{{"id", "pho-co-night-bar"},
                 {"kind", "bar"},
                 {"hours", {{"open", "18:00"}, {"close", "23:30"}}}}}}});
}

// Orders the steps by "at" (stable: steps at the same time keep their order) and renumbers
// every index that points at a step.
void InTimeOrder(Scenario& s) {
  std::vector<std::pair<int64_t, size_t>> order;
  for (size_t i = 0; i < s.steps.size(); ++i) {
    Result<int64_t> at = ParseTimestamp(s.steps[i].payload.value("at", ""));
    assert(at.ok());
    order.emplace_back(at.ok() ? *at : 0, i);
  }
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<size_t> new_index(s.steps.size());
  std::vector<ScenarioStep> steps;
  for (size_t k = 0; k < order.size(); ++k) {
    new_index[order[k].second] = k;
    steps.push_back(std::move(s.steps[order[k].second]));
  }
  for (ScenarioStep& st : steps) {
    for (SeqRef& r : st.seq_refs) r.step = new_index[r.step];
  }
  s.steps = std::move(steps);
  s.personal_step = new_index[s.personal_step];
  s.erasure_step = new_index[s.erasure_step];
}

// The demo enters some 95 days of records at once, as a province does when it moves its paper
// files onto the ledger: the authority first opens the reporting period to cover them (every
// record older than the period would otherwise need a late_reason and raise late_entry), and
// closes it again to the default once they are in. Both records are dated now.
void EnterBackFile(Scenario& s, const std::string& authority, int64_t now_ms) {
  auto settings = [&](const char* id, int64_t reporting, int64_t limit) {
    ScenarioStep step;
    step.signer = authority;
    step.payload = {{"type", "settings.set"},
                    {"id", id},
                    {"actor", authority},
                    {"at", FormatTimestamp(now_ms)},
                    {"settings", {{"reporting_days", reporting}, {"late_limit_days", limit}}}};
    return step;
  };
  for (ScenarioStep& st : s.steps) {
    for (SeqRef& r : st.seq_refs) ++r.step;
  }
  ++s.personal_step;
  ++s.erasure_step;
  s.steps.insert(s.steps.begin(), settings("settings-back-file-open", 120, 120));
  s.steps.push_back(settings("settings-back-file-closed", domain::Settings().reporting_days,
                             domain::Settings().late_limit_days));
  // Once the period is closed, a note found late is filed with its reason (late_entry).
  ScenarioStep late;
  late.signer = kPolice;
  late.payload = {
      {"type", "police.note"},
      {"id", "PC04-GC-0061"},
      {"actor", kPolice},
      {"at", FormatTimestamp(now_ms - 12 * kDayMs)},
      {"subject", kAnPhu},
      {"text", "Biên bản làm việc với kho Ngọc Hồi, đối chiếu phiếu xuất kho tháng này."},
      {"late_reason", "Biên bản giấy nộp về đội chậm, nay mới nhập vào sổ cái."}};
  s.steps.push_back(std::move(late));
}

// Firms outside the ledger that Vigil's participants buy from and sell to.
nlohmann::json NamSon(const std::string& invoice) {
  return Party("Công ty TNHH Hóa dầu Nam Sơn", "0301447823", "GCN-KDTC-0087-HCM", invoice,
               "Khu công nghiệp Hiệp Phước, TP Hồ Chí Minh");
}
nlohmann::json HungThinh(const std::string& invoice) {
  return Party("Công ty TNHH Hóa chất Hưng Thịnh", "0102578134", "GCN-KDTC-0311-HN", invoice,
               "Khu công nghiệp Sài Đồng B, Phường Long Biên, Hà Nội");
}
nlohmann::json VietHung(const std::string& invoice) {
  return Party("Công ty TNHH Keo dán Việt Hưng", "0900274561", "GXN-SDTC-0017-HY", invoice,
               "Khu công nghiệp Phố Nối A, Hưng Yên");
}
constexpr char kRoad[] = "Xe tải chuyên dụng chở hóa chất nguy hiểm, có giấy phép vận chuyển";

// A purchase from a domestic supplier, with its invoice.
nlohmann::json Bought(const char* substance, const char* quantity, const nlohmann::json& party,
                      const std::string& lot, const char* packaging, const char* purpose) {
  return Move(substance, quantity, "L",
              {{"party", party},
               {"lot", lot},
               {"packaging", packaging},
               {"purpose", purpose},
               {"transport", kRoad},
               {"documents", {Doc("hóa đơn GTGT", party.value("invoice", ""))}}});
}

// The two traders: stock bought, an import under a new licence, sales, and a sale entered twice
// by mistake and voided by its signer (correction).
void Traders(Builder& b, const std::string& authority) {
  const std::string y = b.Year();
  b.Add(
      kAnPhu, "chem.purchase", "AP-NK-0001", b.At(88, 10, 15),
      Move(kToluene, "6000", "L",
           {{"party", NamSon("0001532")},
            {"lot", "NS-TOL-" + y + "-118"},
            {"packaging", "Xe bồn 6 m3"},
            {"purpose", "Kinh doanh, phân phối cho cơ sở sản xuất sơn, keo"},
            {"transport", kRoad},
            {"documents", {Doc("hóa đơn GTGT", "0001532"), Doc("phiếu xuất kho", "NS-PX-2231")}}}));
  b.Add(kAnPhu, "chem.purchase", "AP-NK-0002", b.At(86, 14, 0),
        Bought(kMek, "1000", NamSon("0001547"), "NS-MEK-" + y + "-042", "5 phuy thép 200 L",
               "Kinh doanh"));
  b.Add(kMinhLong, "chem.purchase", "ML-NK-0021", b.At(80, 15, 45),
        Bought(kToluene, "3000", NamSon("0001560"), "NS-TOL-" + y + "-121", "15 phuy 200 L",
               "Kinh doanh"));
  b.Add(
      kAnPhu, "chem.purchase", "AP-NK-0003", b.At(60, 9, 0),
      Bought(kAcetone, "900", HungThinh("0008902"), "HT-ACE-0902", "Bồn IBC 1000 L", "Kinh doanh"));
  b.Add(kMinhLong, "chem.purchase", "ML-NK-0022", b.At(60, 11, 30),
        Bought(kMek, "800", HungThinh("0008907"), "HT-MEK-0907", "4 phuy 200 L", "Kinh doanh"));
  // Declared as a thinner at 40 % although Minh Long only ever bought it pure: the amount that
  // counts shrinks on paper (concentration_mismatch).
  b.Add(kMinhLong, "chem.sale", "ML-XK-0030", b.At(52, 16, 0),
        Move(kMek, "500", "L",
             {{"concentration", "40"},
              {"party", VietHung("0004102")},
              {"purpose", "Dung môi pha sơn"},
              {"transport", kRoad},
              {"documents", {Doc("hóa đơn GTGT", "0004102")}}}));
  b.Add(kAnPhu, "chem.sale", "AP-XK-0001", b.At(57, 14, 20),
        Move(kToluene, "2500", "L",
             {{"party", VietHung("0000741")},
              {"purpose", "Dung môi sản xuất keo dán"},
              {"transport", kRoad},
              {"documents",
               {Doc("hóa đơn GTGT", "0000741"), Doc("phiếu kiểm soát mua bán", "AP-PKS-0001")}}}));
  b.Add(kMinhLong, "chem.purchase", "ML-NK-0023", b.At(45, 10, 0),
        Bought(kAcetone, "600", HungThinh("0009044"), "HT-ACE-0944", "3 phuy 200 L", "Kinh doanh"));
  const nlohmann::json sale = Move(kToluene, "300", "L",
                                   {{"party", VietHung("0004127")},
                                    {"purpose", "Dung môi sản xuất keo dán"},
                                    {"transport", kRoad},
                                    {"documents", {Doc("hóa đơn GTGT", "0004127")}}});
  b.Add(kMinhLong, "chem.sale", "ML-XK-0031", b.At(44, 15, 0), sale);
  const size_t duplicate = b.Add(kMinhLong, "chem.sale", "ML-XK-0032", b.At(44, 15, 5), sale);
  const size_t correction =
      b.Add(kMinhLong, "correction", "ML-DC-0001", b.At(43, 9, 0),
            {{"target_seq", 0},
             {"action", "void"},
             {"reason", "Nhập trùng hóa đơn 0004127, đã ghi ở phiếu ML-XK-0031"}});
  b.Ref(correction, "/target_seq", duplicate);
  b.Add(
      kAnPhu, "chem.sale", "AP-XK-0002", b.At(40, 10, 30),
      Move(kAcetone, "200", "L",
           {{"party", Party("Công ty Cổ phần Dược phẩm Thành Nam", "0101853327", "GXN-SDTC-0029-HN",
                            "0000802", "Khu công nghiệp Quang Minh, Xã Quang Minh, Hà Nội")},
            {"purpose", "Dung môi chiết xuất dược liệu"},
            {"transport", kRoad},
            {"documents", {Doc("hóa đơn GTGT", "0000802")}}}));
  // An import under a per-shipment licence, far above the single-transaction limit.
  const nlohmann::json import_licence = {{"kind", "import_export"},
                                         {"number", "GP-XNKTC-0412-BCT"},
                                         {"issued", b.Date(-36)},
                                         {"expires", b.Date(55)},
                                         {"substances", {kToluene}}};
  b.Add(authority, "participant.update", "upd-" + std::string(kAnPhu) + "-01", b.At(35, 9, 0),
        {{"participant", kAnPhu},
         {"licences", {AnPhuTradingLicence(b), import_licence}},
         {"reason", "Bộ Công Thương cấp giấy phép nhập khẩu tiền chất theo lô GP-XNKTC-0412-BCT"}});
  b.Add(kAnPhu, "chem.purchase", "AP-NK-0004", b.At(30, 8, 45),
        Move(kToluene, "18000", "L",
             {{"party",
               {{"name", "Daesan Petrochemical Co., Ltd."},
                {"country", "KR"},
                {"address", "Daesan-eup, Seosan-si, Chungcheongnam-do, Republic of Korea"},
                {"invoice", "DPC-EX-" + y + "-0311"}}},
              {"lot", "DPC-TOL-" + y + "-77"},
              {"packaging", "1 ISO tank 20 m3"},
              {"purpose", "Nhập khẩu để kinh doanh"},
              {"transport", "Tàu biển về cảng Hải Phòng, xe bồn về kho Ngọc Hồi"},
              {"documents",
               {Doc("tờ khai hải quan", "105822365140"), Doc("vận đơn", "HDMU-SEL-" + y + "-5521"),
                Doc("giấy phép nhập khẩu", "GP-XNKTC-0412-BCT")}}}));
  b.Add(
      kAnPhu, "chem.purchase", "AP-NK-0005", b.At(28, 9, 0),
      Bought(kAcetone, "500", HungThinh("0009180"), "HT-ACE-1180", "Bồn IBC 1000 L", "Kinh doanh"));
  // The same pharmaceutical firm buys again within 30 days: together above the window limit,
  // which holds for outside buyers too (outside_buyer_window).
  b.Add(
      kAnPhu, "chem.sale", "AP-XK-0009", b.At(26, 10, 0),
      Move(kAcetone, "850", "L",
           {{"party", Party("Công ty Cổ phần Dược phẩm Thành Nam", "0101853327", "GXN-SDTC-0029-HN",
                            "0000833", "Khu công nghiệp Quang Minh, Xã Quang Minh, Hà Nội")},
            {"purpose", "Dung môi chiết xuất dược liệu"},
            {"transport", kRoad},
            {"documents", {Doc("hóa đơn GTGT", "0000833")}}}));
  b.Add(kAnPhu, "chem.sale", "AP-XK-0003", b.At(27, 13, 0),
        Move(kToluene, "8000", "L",
             {{"party", Party("Công ty TNHH Sơn Tổng hợp Hải Phòng", "0200581146",
                              "GXN-SDTC-0008-HP", "0000815", "Khu công nghiệp Nomura, Hải Phòng")},
              {"purpose", "Dung môi sản xuất sơn"},
              {"transport", kRoad},
              {"documents",
               {Doc("hóa đơn GTGT", "0000815"), Doc("phiếu kiểm soát mua bán", "AP-PKS-0003")}}}));
}

// The paint factory: monthly toluene, then one purchase six times its usual size; acetone from
// three suppliers within 30 days; use; a witnessed disposal; a stocktake that matches.
void Factory(Builder& b) {
  const char* solvent = "Dung môi sản xuất sơn alkyd";
  b.Add(kFactory, "chem.purchase", "SHD-NK-0101", b.At(80, 9, 30),
        Bought(kToluene, "400", HungThinh("0008811"), "HT-TOL-0809", "2 phuy 200 L", solvent));
  b.Add(kFactory, "chem.use", "SHD-SD-0101", b.At(75, 16, 0),
        Move(kToluene, "320", "L",
             {{"purpose", "Pha chế dung môi cho dây chuyền sơn alkyd"},
              {"product", "Sơn alkyd chống gỉ AK-02"},
              {"lot", "HT-TOL-0809"}}));
  b.Add(kFactory, "chem.purchase", "SHD-NK-0102", b.At(50, 9, 30),
        Bought(kToluene, "400", HungThinh("0009013"), "HT-TOL-0913", "2 phuy 200 L", solvent));
  b.Add(kFactory, "chem.use", "SHD-SD-0102", b.At(45, 16, 0),
        Move(kToluene, "350", "L",
             {{"purpose", "Pha chế dung môi"}, {"product", "Sơn alkyd AK-05"}}));
  b.Add(kFactory, "chem.purchase", "SHD-NK-0103", b.At(25, 9, 30),
        Bought(kAcetone, "350", HungThinh("0009203"), "HT-ACE-1203", "Phuy 200 L và can 30 L",
               "Dung môi pha loãng sơn"));
  b.Add(kFactory, "chem.use", "SHD-SD-0103", b.At(22, 15, 0),
        Move(kAcetone, "200", "L",
             {{"purpose", "Pha loãng sơn lót"}, {"product", "Sơn lót epoxy EP-11"}}));
  b.Add(kFactory, "chem.purchase", "SHD-NK-0104", b.At(20, 9, 30),
        Bought(kToluene, "400", HungThinh("0009251"), "HT-TOL-1251", "2 phuy 200 L", solvent));
  b.Add(kFactory, "chem.use", "SHD-SD-0104", b.At(15, 16, 0),
        Move(kToluene, "380", "L",
             {{"purpose", "Pha chế dung môi"}, {"product", "Sơn alkyd AK-02"}}));
  // Contaminated solvent (80 % toluene) destroyed before a witness who countersigns.
  b.Add(kFactory, "chem.dispose", "SHD-TH-0001", b.At(10, 9, 0),
        Move(kToluene, "60", "L",
             {{"concentration", "80"},
              {"lot", "HT-TOL-0913"},
              {"packaging", "3 can 20 L"},
              {"method", "Thiêu hủy tại lò đốt chất thải nguy hại được cấp phép"},
              {"witness", kWitness},
              {"note", "Dung môi toluen nhiễm nước và cặn sơn, không còn sử dụng được"},
              {"documents", {Doc("biên bản tiêu hủy", "SHD-BBTH-0001")}}}),
        {kWitness});
  // 2,400 L against the usual 400 L (unusual_size).
  b.Add(kFactory, "chem.purchase", "SHD-NK-0107", b.At(3, 10, 0),
        Bought(kToluene, "2400", HungThinh("0009377"), "HT-TOL-1377", "12 phuy 200 L",
               "Dung môi sản xuất sơn (đơn hàng lớn quý IV)"));
  b.Add(kFactory, "chem.stocktake", "SHD-KK-0001", b.At(1, 17, 0),
        {{"substance", kToluene},
         {"quantity", "2502"},
         {"unit", "L"},
         {"note", "Kiểm kê định kỳ: khớp sổ"}});
}

// Dispatches and their receipts: one in full, one short (receipt_mismatch), two that take the
// factory's acetone over the 30-day limit across three suppliers (threshold_window), and one
// never received (receipt_overdue). Returns the step of the one never received.
size_t Transfers(Builder& b) {
  const std::string y = b.Year();
  auto dispatch = [&](const char* from, const char* id, int days, const char* substance,
                      const char* qty, const char* to, const char* transfer, const std::string& lot,
                      const char* packaging, const char* purpose, const char* slip) {
    return b.Add(from, "chem.dispatch", id, b.At(days, 8, 0),
                 Move(substance, qty, "L",
                      {{"counterparty", to},
                       {"transfer_id", transfer},
                       {"lot", lot},
                       {"packaging", packaging},
                       {"purpose", purpose},
                       {"transport", kRoad},
                       {"documents", {Doc("phiếu kiểm soát mua bán", slip)}}}));
  };
  const size_t lost =
      dispatch(kMinhLong, "ML-XK-0040", 24, kToluene, "200", kFactory, "ML-SHD-T07",
               "NS-TOL-" + y + "-121", "1 phuy 200 L", "Dung môi sản xuất sơn", "ML-PKS-0040");
  dispatch(kAnPhu, "AP-XK-0004", 9, kToluene, "1000", kMinhLong, "AP-ML-T01",
           "DPC-TOL-" + y + "-77", "5 phuy 200 L", "Kinh doanh", "AP-PKS-0004");
  b.Add(kMinhLong, "chem.receipt", "ML-NK-0024", b.At(8, 11, 0),
        Move(kToluene, "1000", "L",
             {{"counterparty", kAnPhu},
              {"transfer_id", "AP-ML-T01"},
              {"lot", "DPC-TOL-" + y + "-77"},
              {"packaging", "5 phuy 200 L"}}));
  dispatch(kAnPhu, "AP-XK-0005", 8, kAcetone, "350", kFactory, "AP-SHD-A01", "HT-ACE-1180",
           "Phuy 200 L và 5 can 30 L", "Dung môi pha loãng sơn", "AP-PKS-0005");
  b.Add(kFactory, "chem.receipt", "SHD-NK-0105", b.At(7, 14, 0),
        Move(kAcetone, "350", "L", {{"counterparty", kAnPhu}, {"transfer_id", "AP-SHD-A01"}}));
  dispatch(kMinhLong, "ML-XK-0041", 5, kAcetone, "350", kFactory, "ML-SHD-A02", "HT-ACE-0944",
           "Phuy 200 L và 5 can 30 L", "Dung môi pha loãng sơn", "ML-PKS-0041");
  b.Add(kFactory, "chem.receipt", "SHD-NK-0106", b.At(4, 10, 0),
        Move(kAcetone, "350", "L", {{"counterparty", kMinhLong}, {"transfer_id", "ML-SHD-A02"}}));
  dispatch(kAnPhu, "AP-XK-0006", 3, kMek, "200", kFactory, "AP-SHD-M01", "NS-MEK-" + y + "-042",
           "1 phuy 200 L", "Dung môi sơn PU", "AP-PKS-0006");
  b.Add(kFactory, "chem.receipt", "SHD-NK-0108", b.At(2, 9, 0),
        Move(kMek, "190", "L",
             {{"counterparty", kAnPhu},
              {"transfer_id", "AP-SHD-M01"},
              {"packaging", "1 phuy 200 L"},
              {"note", "Phuy bị móp, rò rỉ; cân thực nhận 190 L"}}));
  return lost;
}

// A theft, naming the storekeeper who found it only in personal side data; the police note on
// it and on the transfer never received; the erasure of the personal data once the case closed.
void TheftCase(Builder& b, Scenario& s, size_t lost_transfer) {
  const size_t loss =
      b.Add(kMinhLong, "chem.loss", "ML-MM-0001", b.At(20, 7, 30),
            Move(kMek, "60", "L",
                 {{"kind", "stolen"},
                  {"discovered_at", b.At(20, 6, 50)},
                  {"lot", "HT-MEK-0907"},
                  {"packaging", "3 can 20 L"},
                  {"police_report",
                   "Tin báo tội phạm số 214 ngày " + b.Date(-20) + ", Công an phường Long Biên"},
                  {"note", "Phát hiện mất 3 can MEK tại kho số 2; khóa cửa sau bị cắt"}}));
  b.Personal(loss, {{"reported_by",
                     {{"name", "Nguyễn Thị Thu Hằng"},
                      {"id_number", "001190023456"},
                      {"position", "Thủ kho"},
                      {"phone", "0912 345 678"}}}});
  s.personal_step = loss;
  const size_t note =
      b.Add(kPolice, "police.note", "PC04-GC-0057", b.At(19, 10, 0),
            {{"subject", kMinhLong},
             {"refs", {0, 0}},
             {"text",
              "Đã tiếp nhận tin báo mất trộm 60 L MEK tại kho Minh Long; phối hợp Công an phường "
              "Long Biên xác minh. Yêu cầu doanh nghiệp giải trình lô toluen ML-SHD-T07 quá hạn "
              "chưa có phiếu nhận của bên mua."}});
  b.Ref(note, "/refs/0", loss);
  b.Ref(note, "/refs/1", lost_transfer);
  const size_t erasure = b.Add(s.authority_id, "erasure", "erase-ML-MM-0001", b.At(2, 15, 0),
                               {{"target_seq", 0},
                                {"order_ref", "Văn bản yêu cầu xóa dữ liệu cá nhân số 57/PC04"},
                                {"reason",
                                 "Chủ thể dữ liệu yêu cầu xóa sau khi vụ việc được xác minh xong "
                                 "(Luật Bảo vệ dữ liệu cá nhân 2025)"}});
  b.Ref(erasure, "/target_seq", loss);
  s.erasure_step = erasure;
}

// Counting stock: An Phú's own stocktake finds acetone short; inspectors find the same at Minh
// Long (count_mismatch), which objects to their record.
void StockControl(Builder& b) {
  b.Add(kAnPhu, "chem.stocktake", "AP-KK-0001", b.At(6, 17, 0),
        {{"substance", kAcetone},
         {"quantity", "838"},
         {"unit", "L"},
         {"note", "Kiểm kê cuối tháng: thiếu 12 L so với sổ, nghi hao hụt khi san chiết"},
         {"documents", {Doc("biên bản kiểm kê", "AP-BBKK-0001")}}});
  const size_t inspection =
      b.Add(kInspectorTrade, "inspection.stock", "SCT-KT-" + b.Year() + "-0127", b.At(4, 16, 30),
            {{"business", kMinhLong},
             {"started_at", b.At(4, 14, 0)},
             {"ended_at", b.At(4, 16, 30)},
             {"team", {kInspectorTrade, kPolice}},
             {"checklist", Answers(vigil::Checklist::kStock, "", {"S05", "S12"})},
             {"counts",
              {{{"substance", kAcetone}, {"quantity", "230"}, {"unit", "L"}},
               {{"substance", kToluene}, {"quantity", "3500"}, {"unit", "L"}},
               {{"substance", kMek}, {"quantity", "740"}, {"unit", "L"}}}},
             {"violations",
              {{{"code", "S05"},
                {"description",
                 "Lô toluen ML-SHD-T07 không có phiếu kiểm soát "
                 "có xác nhận của bên mua"}},
               {{"code", "S12"}, {"description", "Axeton thực tế 230 L, sổ cái 250 L"}}}},
             {"sanctions", {"Đề nghị xử phạt theo Nghị định 71/2019/NĐ-CP"}},
             {"evidence", {HexSha256("biên bản kiểm tra SCT-KT-0127")}}});
  const size_t objection =
      b.Add(kMinhLong, "inspection.ack", "ML-BB-0127", b.At(3, 9, 0),
            {{"inspection_seq", 0},
             {"decision", "object"},
             {"reason",
              "Chênh lệch 20 L axeton do hao hụt khi san chiết từ phuy sang can, đã lập biên bản "
              "nội bộ; phiếu kiểm soát lô ML-SHD-T07 đã gửi bên mua nhưng chưa được ký nhận"}});
  b.Ref(objection, "/inspection_seq", inspection);
}

// Venues: a clean periodic inspection the karaoke countersigns, a surprise night inspection of
// the dance hall (minors, drug residue, positive tests), a repeat violation there; the karaoke
// rotates its key; the bar closes and is revoked.
void Venues(Builder& b, const std::string& authority) {
  const std::string y = b.Year();
  const size_t clean =
      b.Add(kInspectorCulture, "inspection.venue", "SVHTT-KT-" + y + "-0311", b.At(70, 21, 0),
            {{"business", kKaraoke},
             {"venue", kKaraokeVenue},
             {"kind", "periodic"},
             {"started_at", b.At(70, 19, 30)},
             {"ended_at", b.At(70, 21, 0)},
             {"team", {kInspectorCulture, kPolice}},
             {"checklist", Answers(vigil::Checklist::kVenue, "karaoke", {}, {"V15"})},
             {"note", "Kiểm tra định kỳ theo kế hoạch quý; cơ sở chấp hành tốt"}});
  const size_t ack = b.Add(std::string(kKaraoke) + ".old", "inspection.ack", "HM-BB-0311",
                           b.At(68, 10, 0), {{"inspection_seq", 0}, {"decision", "countersign"}});
  b.Ref(ack, "/inspection_seq", clean);
  b.Add(kInspectorCulture, "inspection.venue", "SVHTT-KT-" + y + "-0388", b.At(39, 2, 30),
        {{"business", kDanceHall},
         {"venue", kDanceVenue},
         {"kind", "surprise"},
         {"approval_ref", "Quyết định kiểm tra đột xuất số 1127/QĐ-CATP-PC04"},
         {"started_at", b.At(40, 23, 40)},
         {"ended_at", b.At(39, 2, 15)},
         {"team", {kInspectorCulture, kPolice}},
         {"checklist", Answers(vigil::Checklist::kVenue, "dance_hall", {"V08", "V12", "V17"})},
         {"drug_tests", {{"tested", 23}, {"positive", 4}}},
         {"violations",
          {{{"code", "V08"}, {"description", "3 khách dưới 18 tuổi có mặt tại sàn chính"}},
           {{"code", "V12"},
            {"description",
             "2 nhân viên phục vụ không có tên trong danh sách "
             "đã gửi công an, không đeo biển tên"}},
           {{"code", "V17"},
            {"description",
             "Phát hiện dụng cụ và dấu vết sử dụng ma túy "
             "tại khu vực sàn phụ"}}}},
         {"sanctions",
          {"Đề nghị xử phạt vi phạm hành chính theo Nghị định 144/2021/NĐ-CP",
           "Đề nghị đình chỉ hoạt động kinh doanh vũ trường 3 tháng"}},
         {"evidence",
          {HexSha256("video SVHTT-KT-0388 cam 1"), HexSha256("ảnh hiện trường sàn phụ"),
           HexSha256("biên bản test nhanh ma túy 0388")}}});
  b.Add(kInspectorCulture, "inspection.venue", "SVHTT-KT-" + y + "-0452", b.At(12, 3, 0),
        {{"business", kDanceHall},
         {"venue", kDanceVenue},
         {"kind", "periodic"},
         {"started_at", b.At(12, 2, 20)},
         {"ended_at", b.At(12, 3, 0)},
         {"team", {kInspectorCulture, kInspectorTrade, kPolice}},
         {"checklist", Answers(vigil::Checklist::kVenue, "dance_hall", {"V11", "V18"})},
         {"drug_tests", {{"tested", 15}, {"positive", 0}}},
         {"violations",
          {{{"code", "V11"}, {"description", "Vẫn hoạt động lúc 02:20, sau giờ đóng cửa 02:00"}},
           {{"code", "V18"}, {"description", "Camera hành lang tầng 2 không hoạt động"}}}},
         {"sanctions", {"Đề nghị xử phạt theo Nghị định 38/2021/NĐ-CP (hoạt động quá giờ)"}}});
  const SecretKey& karaoke_new = b.NewKey(kKaraoke, kKaraoke);
  b.Add(authority, "key.add", "key-add-" + std::string(kKaraoke) + "-02", b.At(20, 14, 0),
        {{"participant", kKaraoke}, {"key", karaoke_new.public_key().ToBase64()}});
  b.Add(authority, "key.revoke", "key-revoke-" + std::string(kKaraoke) + "-01", b.At(20, 14, 5),
        {{"key", b.KeyId(std::string(kKaraoke) + ".old")},
         {"reason", "Máy tính quản lý cũ bị hỏng, đã thay khóa mới"}});
  b.Add(authority, "participant.revoke", "revoke-" + std::string(kBar), b.At(15, 10, 0),
        {{"participant", kBar},
         {"reason",
          "Doanh nghiệp chấm dứt hoạt động kinh doanh quán bar; giấy phép GPKD-BAR-0133-HN bị thu "
          "hồi"}});
}

}  // namespace

Scenario BuildScenario(int64_t now_ms, const std::string& authority_id, SecretKey authority) {
  Scenario s;
  s.authority_id = authority_id;
  s.keys.emplace(authority_id, std::move(authority));
  Builder b(now_ms, s);
  b.UseKey(authority_id, authority_id);
  AuthoritySetUp(b, authority_id);
  Registrations(b);
  Traders(b, authority_id);
  Factory(b);
  const size_t lost_transfer = Transfers(b);
  TheftCase(b, s, lost_transfer);
  StockControl(b);
  Venues(b, authority_id);
  InTimeOrder(s);
  EnterBackFile(s, authority_id, now_ms);
  s.alert_kinds = {"threshold_single", "threshold_window", "outside_buyer_window",
                   "late_entry",       "unusual_size",     "receipt_short",
                   "receipt_overdue",  "loss_reported",    "count_mismatch",
                   "licence_expiring", "venue_violation",  "repeat_violation",
                   "critical_item",    "self_void",        "concentration_mismatch"};
  return s;
}

Result<Submission> SignStep(const Scenario& scenario, std::string_view origin, size_t i,
                            const std::vector<std::optional<uint64_t>>& seqs) {
  if (i >= scenario.steps.size()) return Status(Code::kInvalidArgument, "no such scenario step");
  const ScenarioStep& step = scenario.steps[i];
  nlohmann::json payload = step.payload;
  for (const SeqRef& ref : step.seq_refs) {
    if (ref.step >= seqs.size() || !seqs[ref.step].has_value()) {
      return Status(Code::kInvalidArgument, "scenario step " + std::to_string(i) +
                                                " refers to step " + std::to_string(ref.step) +
                                                ", which is not in the log");
    }
    payload[ref.field] = *seqs[ref.step];
  }
  auto key = scenario.keys.find(step.signer);
  if (key == scenario.keys.end()) {
    return Status(Code::kInvalidArgument,
                  "scenario step " + std::to_string(i) + ": no key " + step.signer);
  }
  Submission sub;
  sub.signer = key->second.Id();
  sub.payload = payload.dump();
  sub.sig = key->second.Sign(SignContext::kEntry, origin, sub.payload);
  for (const std::string& name : step.cosigners) {
    auto c = scenario.keys.find(name);
    if (c == scenario.keys.end()) {
      return Status(Code::kInvalidArgument,
                    "scenario step " + std::to_string(i) + ": no key " + name);
    }
    sub.cosigners.push_back(
        {c->second.Id(), c->second.Sign(SignContext::kEntry, origin, sub.payload)});
  }
  if (!step.personal.empty()) {
    RecordAttachment& side = AttachmentOf(sub);
    side.personal = step.personal;
    side.personal_salt = Base64Encode(step.personal_salt);
  }
  return sub;
}

nlohmann::json SubmissionBody(const Submission& sub) {
  nlohmann::json body = {
      {"signer", sub.signer}, {"payload", sub.payload}, {"sig", Base64Encode(sub.sig)}};
  for (const Cosignature& c : sub.cosigners) {
    body["cosigners"].push_back({{"signer", c.signer}, {"sig", Base64Encode(c.sig)}});
  }
  if (const RecordAttachment* side = FindAttachment(sub);
      side != nullptr && !side->personal.empty()) {
    body["personal"] = side->personal;
    body["personal_salt"] = side->personal_salt;
  }
  return body;
}

}  // namespace vigil::cli
