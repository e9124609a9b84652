#include "ledger/state/identity.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

namespace vigil::identity {

namespace {

bool Digit(char c) { return c >= '0' && c <= '9'; }
bool Lower(char c) { return c >= 'a' && c <= 'z'; }
bool Upper(char c) { return c >= 'A' && c <= 'Z'; }

// `text` decoded by ICU; `exact` is false if it was not valid UTF-8 (ICU substitutes U+FFFD
// for bad bytes, so the round trip differs).
icu::UnicodeString Decode(std::string_view text, bool* exact) {
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  if (exact != nullptr) {
    std::string back;
    u.toUTF8String(back);
    *exact = back == text;
  }
  return u;
}

}  // namespace

bool IsNfc(std::string_view text) {
  bool exact = false;
  const icu::UnicodeString u = Decode(text, &exact);
  if (!exact) return false;
  UErrorCode err = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(err);
  if (U_FAILURE(err)) return false;
  const UBool normalized = nfc->isNormalized(u, err);
  return U_SUCCESS(err) && normalized;
}

std::string FoldForSearch(std::string_view text) {
  UErrorCode err = U_ZERO_ERROR;
  const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(err);
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(err);
  if (U_FAILURE(err)) return std::string(text);
  const icu::UnicodeString decomposed = nfd->normalize(Decode(text, nullptr), err);
  if (U_FAILURE(err)) return std::string(text);
  icu::UnicodeString kept;
  bool space = false;  // a white space run is pending
  for (int32_t i = 0; i < decomposed.length();) {
    const UChar32 c = decomposed.char32At(i);
    i += U16_LENGTH(c);
    if (u_charType(c) == U_NON_SPACING_MARK) continue;  // the diacritics of "à", "ộ", "ư"...
    if (u_isUWhiteSpace(c)) {
      space = !kept.isEmpty();
      continue;
    }
    if (space) kept.append(static_cast<UChar32>(' '));
    space = false;
    // Đ U+0110 and đ U+0111 are letters with a stroke, not a base letter and a mark.
    kept.append(c == 0x0110 || c == 0x0111 ? static_cast<UChar32>('d') : c);
  }
  kept.foldCase();
  const icu::UnicodeString composed = nfc->normalize(kept, err);
  std::string out;
  (U_SUCCESS(err) ? composed : kept).toUTF8String(out);
  return out;
}

bool ValidParticipantId(std::string_view id) {
  if (id.empty() || id.size() > kMaxParticipantId) return false;
  if (!Lower(id[0]) && !Digit(id[0])) return false;
  for (char c : id) {
    if (!Lower(c) && !Digit(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

bool ValidTaxCode(std::string_view tax_code) {
  auto digits = [](std::string_view s) {
    for (char c : s) {
      if (!Digit(c)) return false;
    }
    return true;
  };
  if (tax_code.size() == 10) return digits(tax_code);
  return tax_code.size() == 14 && digits(tax_code.substr(0, 10)) && tax_code[10] == '-' &&
         digits(tax_code.substr(11));
}

std::string_view EnterpriseOf(std::string_view tax_code) {
  return ValidTaxCode(tax_code) ? tax_code.substr(0, 10) : tax_code;
}

std::string LicenceNumberProblem(std::string_view number) {
  if (number.empty() || number.size() > kMaxLicenceNumber) {
    return "a licence number is 1 to 64 characters";
  }
  for (char c : number) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      return "a licence number is plain ASCII: type '/' and '-' as the ASCII characters, not a "
             "look-alike (fullwidth or division slash, Unicode hyphen or dash)";
    }
    if (c == ' ' || u < 0x20 || u == 0x7f) return "a licence number holds no spaces";
    if (Lower(c)) return "a licence number is written in upper case (GP-BCT, not gp-bct)";
    if (!Upper(c) && !Digit(c) && c != '-' && c != '.' && c != '_' && c != '/') {
      return "a licence number holds only A-Z, 0-9, '-', '.', '_' and '/'";
    }
  }
  auto alnum = [](char c) { return Upper(c) || Digit(c); };
  if (!alnum(number.front()) || !alnum(number.back()) ||
      number.find("//") != std::string_view::npos) {
    return "a licence number starts and ends with a letter or digit and has no empty part "
           "between '/'";
  }
  return "";
}

}  // namespace vigil::identity
