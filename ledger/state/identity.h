// Identifying text (issue 14, "identities that are exact"): the one place that decides what a
// participant id, a tax code and a licence number may look like, whether text is in Unicode
// NFC, and how text is folded for search. Pure functions, thread-safe, no state; the Unicode
// work is ICU's (normalisation, character types, case folding), never a table of our own.
//
// Who calls what:
//   registry.cc      checks every identifying field of participant.register / .update with
//                    IsNfc, ValidParticipantId, ValidTaxCode and LicenceNumberProblem;
//   catalog.cc       folds substance names and synonyms with FoldForSearch (catalog_ident/);
//   queries.cc       folds search text and province / commune filters with FoldForSearch;
//   chemicals.cc     (anti-smurfing) totals per enterprise with EnterpriseOf.
//
// Text is refused, never rewritten, when it is not NFC: the signed bytes are the evidence, so
// the server must not store something other than what the signer signed.
#ifndef VIGIL_LEDGER_STATE_IDENTITY_H_
#define VIGIL_LEDGER_STATE_IDENTITY_H_

#include <string>
#include <string_view>

#include "ledger/layering.h"

namespace vigil::identity {

// True if `text` is valid UTF-8 and in Unicode Normalization Form C (so "Hà Nội" typed with a
// combining grave accent, NFD, is false).
bool IsNfc(std::string_view text);

// Text for comparisons that ignore case, Unicode form and diacritics: NFD, combining marks
// (general category Mn) removed, "đ"/"Đ" mapped to "d" (a letter of its own, not a mark), full
// Unicode case folding, runs of white space as one space, trimmed, then NFC. "Hà Nội",
// "HÀ NỘI", NFD "Hà Nội" and " ha  noi " all fold to "ha noi"; "Đồng Nai" to "dong nai".
// Invalid UTF-8 is folded as ICU decodes it (each bad byte U+FFFD).
std::string FoldForSearch(std::string_view text);

inline constexpr size_t kMaxParticipantId = 128;

// A participant id: 1 to 128 of a-z, 0-9, '-', '_', '.', starting with a letter or digit. So
// ids that differ only by case cannot both exist, and an id never holds '/' (state keys).
bool ValidParticipantId(std::string_view id);

// A Vietnamese enterprise tax code (mã số doanh nghiệp): 10 digits ("0101234567"), or a
// branch (chi nhánh): 10 digits, '-', 3 digits ("0101234567-001").
bool ValidTaxCode(std::string_view tax_code);

// The enterprise a valid tax code belongs to: its 10-digit prefix (a branch folds to its
// parent). For text that is not a valid tax code, the text itself.
std::string_view EnterpriseOf(std::string_view tax_code);

inline constexpr size_t kMaxLicenceNumber = 64;

// Why `number` is not a licence number (số/ký hiệu such as "123/GP-BCT", "05/2026/GP-UBND",
// "KD-0042"), or empty if it is one. A number is 1 to 64 ASCII characters: upper-case letters,
// digits, '-', '.', '_' and '/', starting and ending with a letter or digit, with no "//".
// Look-alikes (fullwidth '／', '∕' U+2215, '‐' U+2010, other dashes and slashes), any other
// non-ASCII, lower-case letters and spaces are refused, so the number as signed is its one
// canonical form and "licence/<number>" compares canonical forms.
std::string LicenceNumberProblem(std::string_view number);

}  // namespace vigil::identity

#endif  // VIGIL_LEDGER_STATE_IDENTITY_H_
