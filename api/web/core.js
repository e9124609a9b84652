// Vigil web pages: the shared core (docs/explorer.md). Plain JavaScript modules, no framework,
// no external files. This module owns what every page shares:
// - texts and names in Vietnamese and English (t, addTexts), the page state (state);
// - DOM helpers (text only: nothing from the server is ever parsed as HTML), formatting;
// - keys and signed requests: the user's key file is imported into WebCrypto as a
//   non-extractable Ed25519 key held in memory only; requests are signed exactly as the vigil
//   command signs them (docs/api.md "Signing requests", api/request_signature.cc), records as
//   `vigil submit` signs them (canonicalJson, signRecord, postJson);
// - verification: an entry's leaf hash, inclusion proof and checkpoint signature recomputed
//   with WebCrypto against a verifier key pinned in this browser (verifyEntry);
// - the view registry: a page module calls registerView / registerNav, app.js routes to it.
// ---------------------------------------------------------------------------------------------
// Texts

const TEXT = {
  vi: {
    'app.title': 'Tra cứu sổ cái tiền chất',
    'nav.search': 'Tìm kiếm', 'nav.alerts': 'Cảnh báo', 'nav.trust': 'Khóa xác minh',
    'signin.title': 'Đăng nhập bằng tệp khóa',
    'signin.intro': 'Chọn tệp khóa bí mật của bạn (tệp .key do lệnh vigil keygen tạo). Tệp khóa có cụm mật khẩu (vigil keygen --passphrase) được mở ngay trong trình duyệt; với tệp khóa không có mật khẩu, hãy chọn cùng lúc cả tệp .pub đi kèm. Khóa chỉ được giữ trong bộ nhớ của trình duyệt này, không được gửi đi và không được lưu lại; mỗi yêu cầu tra cứu được ký bằng khóa này.',
    'signin.file': 'Tệp khóa (và tệp .pub nếu khóa không có mật khẩu)', 'signin.button': 'Đăng nhập',
    'signin.passphrase': 'Cụm mật khẩu của tệp khóa (nếu có)',
    'signin.needpass': 'Tệp khóa này được bảo vệ bằng cụm mật khẩu: hãy nhập cụm mật khẩu rồi đăng nhập lại.',
    'signin.wrongpass': 'Sai cụm mật khẩu, hoặc tệp khóa bị hỏng.',
    'signin.deriving': 'Đang mở tệp khóa bằng cụm mật khẩu (có thể mất vài giây)…',
    'signin.needpub': 'Tệp khóa này không có mật khẩu: hãy chọn cùng lúc cả tệp .pub đi kèm (do vigil keygen tạo cạnh tệp .key), hoặc dùng tệp khóa có cụm mật khẩu.',
    'signin.pubmismatch': 'Tệp .pub không phải khóa công khai của tệp khóa bí mật đã chọn.',
    'signin.toocostly': 'Tệp khóa đòi tham số Argon2id quá lớn; trang từ chối mở.',
    'signin.reload': 'Tải lại trang hoặc đóng thẻ sẽ xóa khóa khỏi bộ nhớ; khi đó cần chọn lại tệp khóa.',
    'signin.badfile': 'Đây không phải tệp khóa bí mật Vigil (cần một dòng "vigil-ed25519-seed-v1 …" hoặc "vigil-ed25519-seed-v2-argon2id …").',
    'signin.nowebcrypto': 'Trình duyệt này không hỗ trợ chữ ký Ed25519 (WebCrypto). Hãy dùng Chromium, Chrome, Edge hoặc Firefox bản mới.',
    'signin.checking': 'Đang kiểm tra khóa với máy chủ…',
    'signin.refused': 'Máy chủ không chấp nhận khóa này',
    'who.as': 'Đăng nhập: {name}', 'who.out': 'Đăng xuất', 'who.key': 'khóa {key}',
    'role.authority': 'Cơ quan quản lý', 'role.police': 'Công an', 'role.inspector': 'Thanh tra, kiểm tra', 'role.business': 'Doanh nghiệp',
    'search.title': 'Tìm kiếm', 'search.label': 'Doanh nghiệp, cơ sở, mã số thuế, số giấy phép, hóa chất (tên hoặc số CAS)',
    'search.placeholder': 'ví dụ: An Phú, GCN-KDTC-0153-HN, toluen, 67-64-1',
    'search.button': 'Tìm', 'search.participants': 'Đối tượng', 'search.substances': 'Hóa chất',
    'search.none': 'Không tìm thấy kết quả.', 'search.hint': 'Nhập ít nhất 2 ký tự.',
    'search.holders': 'Đối tượng có giấy phép hoặc đã có tồn kho chất này',
    'search.nobody': 'Chưa có đối tượng nào.', 'search.business': 'Tài khoản doanh nghiệp chỉ xem được hồ sơ của chính mình.',
    'search.mine': 'Hồ sơ của tôi', 'search.all': 'Tất cả đối tượng',
    'p.title': 'Hồ sơ đối tượng', 'p.id': 'Mã đối tượng', 'p.role': 'Vai trò', 'p.tax': 'Mã số thuế', 'p.address': 'Địa chỉ',
    'p.jurisdiction': 'Địa bàn', 'p.status': 'Trạng thái', 'p.active': 'Đang hoạt động', 'p.revoked': 'Đã thu hồi (mục {seq})',
    'p.registered': 'Đăng ký tại mục', 'p.keys': 'Khóa', 'p.licences': 'Giấy phép', 'p.venues': 'Cơ sở kinh doanh',
    'p.stock': 'Tồn kho theo hóa chất', 'p.stockchart': 'Tồn kho {name} theo thời gian', 'p.nostock': 'Không có tồn kho.',
    'p.transfers': 'Phiếu xuất giao – nhận hàng', 'p.inspections': 'Kiểm tra', 'p.alerts': 'Cảnh báo', 'p.trail': 'Nhật ký các mục',
    'p.summary': 'Mua, bán và sử dụng trong năm', 'p.year': 'Năm', 'p.more': 'Tải thêm', 'p.none': 'Không có.',
    'p.alltypes': 'Mọi loại', 'p.type': 'Loại mục',
    'lic.kind': 'Loại', 'lic.number': 'Số', 'lic.issued': 'Cấp ngày', 'lic.expires': 'Hết hạn', 'lic.substances': 'Hóa chất', 'lic.venue': 'Cơ sở',
    'lic.expired': 'đã hết hạn', 'lic.soon': 'sắp hết hạn',
    'col.seq': 'Mục', 'col.type': 'Loại', 'col.at': 'Thời điểm', 'col.what': 'Nội dung', 'col.substance': 'Hóa chất',
    'col.quantity': 'Số lượng', 'col.from': 'Bên giao', 'col.to': 'Bên nhận', 'col.status': 'Trạng thái', 'col.due': 'Hạn nhận',
    'col.received': 'Đã nhận', 'col.transfer': 'Phiếu', 'col.venue': 'Cơ sở', 'col.inspector': 'Người kiểm tra',
    'col.result': 'Kết quả', 'col.kind': 'Loại', 'col.about': 'Đối tượng', 'col.in': 'Nhập vào', 'col.out': 'Xuất ra',
    'col.count': 'Số mục',
    'sum.in': 'mua + nhận', 'sum.out': 'bán + xuất giao', 'sum.used': 'sử dụng + tiêu hủy + thất thoát',
    'tr.open': 'Chờ nhận', 'tr.received': 'Đã nhận', 'tr.voided': 'Đã hủy', 'tr.short': 'Nhận thiếu', 'tr.overdue': 'Quá hạn nhận',
    'insp.countersigned': 'Đã ký xác nhận', 'insp.pending': 'Chờ xác nhận', 'insp.objected': 'Có ý kiến phản đối', 'insp.voided': 'Đã hủy',
    'insp.violations': '{n} vi phạm', 'insp.drugs': 'test ma túy: {pos}/{tested} dương tính',
    'alerts.title': 'Bảng cảnh báo', 'alerts.kind': 'Loại cảnh báo', 'alerts.all': 'Tất cả', 'alerts.from': 'Từ ngày', 'alerts.to': 'Đến ngày',
    'alerts.province': 'Tỉnh/thành', 'alerts.commune': 'Xã/phường', 'alerts.show': 'Lọc', 'alerts.count': '{n} cảnh báo đã tải',
    'alert.threshold_single': 'Vượt ngưỡng một lần giao dịch', 'alert.threshold_window': 'Vượt ngưỡng cộng dồn',
    'alert.unusual_size': 'Số lượng bất thường', 'alert.receipt_short': 'Nhận thiếu so với số đã xuất', 'alert.receipt_overdue': 'Quá hạn xác nhận nhận hàng',
    'alert.loss_reported': 'Báo mất, thất thoát', 'alert.count_mismatch': 'Số kiểm đếm khác sổ', 'alert.venue_violation': 'Cơ sở có vi phạm',
    'alert.repeat_violation': 'Vi phạm lặp lại', 'alert.licence_expiring': 'Giấy phép sắp hết hạn',
    'alert.outside_buyer_window': 'Bên mua ngoài sổ vượt ngưỡng cộng dồn', 'alert.late_entry': 'Nộp bản ghi trễ hạn',
    'alert.critical_item': 'Nội dung trọng yếu không đạt', 'alert.self_void': 'Tự hủy bản ghi xuất hàng',
    'am.threshold_single': '{amount} {substance} trong một lần, vượt ngưỡng {limit}',
    'am.threshold_window': '{total} {substance} trong {days} ngày đến {end}, vượt ngưỡng {limit} (lần này {amount})',
    'am.outside_buyer_window': 'bán cho doanh nghiệp ngoài sổ {buyer}: {total} {substance} trong {days} ngày đến {end}, vượt ngưỡng {limit}',
    'am.late_entry': 'bản ghi ngày {record_at} nộp trễ {days_late} ngày',
    'am.unusual_size': '{amount} {substance}, vượt xa mức trung bình {average} của bên mua',
    'am.receipt_short': 'nhận {received} {substance} trong {dispatched} đã xuất (phiếu {transfer}, {counterparty}); {in_transit} chưa rõ',
    'am.receipt_overdue': 'phiếu {transfer} ({substance}) với {counterparty} chưa được xác nhận nhận hàng đúng hạn',
    'am.loss_reported': 'báo mất {amount} {substance}',
    'am.count_mismatch': 'kiểm đếm được {counted} {substance}, sổ cái ghi {ledger}',
    'am.venue_violation': 'cơ sở {venue}: {violations} vi phạm, {positive} trường hợp dương tính ma túy',
    'am.repeat_violation': 'cơ sở {venue}: {count} lần kiểm tra có vi phạm trong 12 tháng',
    'am.licence_expiring': 'giấy phép {licence} sắp hết hạn',
    'am.critical_item': 'nội dung trọng yếu không đạt: {items}',
    'am.self_void': 'tự hủy bản ghi {target} (mục {target_seq})',
    'e.title': 'Mục {seq} của sổ cái', 'e.type': 'Loại', 'e.ts': 'Máy chủ ghi nhận lúc', 'e.at': 'Thời điểm sự việc',
    'e.actor': 'Người ghi', 'e.signer': 'Khóa ký', 'e.payload': 'Nội dung bản ghi', 'e.raw': 'Dữ liệu gốc (byte của mục)',
    'e.verify': 'Kiểm chứng trong trình duyệt này', 'e.prev': 'Mục trước', 'e.next': 'Mục sau',
    'e.verifyintro': 'Trình duyệt tự tính lại mã băm của mục, kiểm tra bằng chứng Merkle và chữ ký của checkpoint bằng khóa xác minh đã ghim ({source}). Không tin vào kết luận "hợp lệ" nào của máy chủ.',
    'v.fetch': 'Tải byte gốc của mục {seq}', 'v.fetch.d': '{n} byte; trường seq trong mục = {seq}',
    'v.leaf': 'Tính mã băm lá RFC 6962: SHA-256(0x00 ‖ byte của mục)', 'v.leaf.d': '{hash}{note}',
    'v.leaf.diff': ' — khác giá trị máy chủ đưa ({server})', 'v.leaf.same': ' — trùng với giá trị máy chủ đưa',
    'v.cp': 'Tải checkpoint đã ký (/checkpoint)', 'v.cp.d': 'nguồn gốc {origin}, kích thước {size}, gốc {root}',
    'v.sig': 'Kiểm tra chữ ký Ed25519 của checkpoint bằng khóa xác minh đã ghim', 'v.sig.d': 'khóa {key}',
    'v.proof': 'Tải bằng chứng bao hàm của mục {seq} trong cây kích thước {size}', 'v.proof.d': '{n} mã băm',
    'v.root': 'Tính lại gốc cây Merkle từ mã băm lá và bằng chứng; so với gốc trong checkpoint', 'v.root.d': 'tính được {root}',
    'v.cons': 'Kiểm tra nhất quán với checkpoint trình duyệt này đã xác minh trước đó', 'v.cons.d': '{detail}',
    'v.cons.first': 'lần đầu: ghi nhớ checkpoint kích thước {size}', 'v.cons.same': 'cùng kích thước {size}, cùng gốc',
    'v.cons.grow': 'sổ cái tăng từ {from} lên {to} mục, chỉ thêm vào cuối',
    'v.ok': '✔ ĐÃ KIỂM CHỨNG: mục {seq} nằm trong sổ cái có checkpoint kích thước {size}, được ký bằng khóa xác minh đã ghim.',
    'v.bad': '✘ KHÔNG KIỂM CHỨNG ĐƯỢC: {why}', 'v.step': 'bước {n}',
    'v.err.seq': 'máy chủ trả về mục có seq {got}, không phải {want}',
    'v.err.origin': 'nguồn gốc checkpoint "{origin}" khác tên khóa xác minh "{name}"',
    'v.err.nosig': 'checkpoint không có chữ ký nào của khóa "{name}" (mã khóa {hash})',
    'v.err.badsig': 'chữ ký của checkpoint không hợp lệ với khóa xác minh đã ghim',
    'v.err.root': 'gốc tính lại {got} khác gốc trong checkpoint {want}',
    'v.wit': 'Kiểm tra chữ ký đồng ký của nhân chứng trên checkpoint (khóa nhân chứng đã ghim)', 'v.wit.d': 'được {n} trên {of} nhân chứng đồng ký ({names}); ngưỡng {q}',
    'v.wit.none': 'chưa ghim khóa nhân chứng nào (xem trang "Khóa xác minh")',
    'v.err.witq': 'checkpoint chỉ được {n} trên {of} nhân chứng đã ghim đồng ký; cần {q} — không chấp nhận',
    'v.err.witbad': 'chữ ký đồng ký của nhân chứng {name} không hợp lệ',
    'v.err.notyet': 'mục {seq} mới hơn checkpoint (kích thước {size}): nhân chứng chưa đồng ký tới mục này — hãy thử lại sau ít phút',
    'v.ok.wit': ' Được {n} trên {of} nhân chứng đã ghim đồng ký.',
    'wit.title': 'Nhân chứng', 'wit.intro': 'Nhân chứng là các bên độc lập (viện kiểm sát, Sở Công Thương, công an tỉnh khác) chỉ đồng ký một checkpoint khi nó nhất quán với mọi checkpoint họ đã đồng ký trước đó. Ghim khóa của họ tại đây (nhận qua kênh tin cậy); trình duyệt này sẽ từ chối checkpoint có ít chữ ký đồng ký hơn ngưỡng.',
    'wit.none': 'Chưa ghim khóa nhân chứng nào: checkpoint chỉ được kiểm tra bằng khóa của sổ cái.',
    'wit.enter': 'Dán khóa xác minh của nhân chứng (do lệnh vigil witness init in ra)', 'wit.add': 'Ghim nhân chứng này', 'wit.remove': 'Bỏ ghim',
    'wit.quorum': 'Số chữ ký đồng ký bắt buộc (ngưỡng)', 'wit.quorum.save': 'Lưu ngưỡng',
    'wit.bad': 'Khóa nhân chứng sai dạng: {why}', 'wit.saved': 'Đã lưu danh sách nhân chứng.',
    'v.err.proof': 'bằng chứng bao hàm sai dạng: {why}',
    'v.err.rollback': 'checkpoint kích thước {to} nhỏ hơn checkpoint {from} đã xác minh trước đó (sổ cái bị quay lui?)',
    'v.err.fork': 'checkpoint không nhất quán với checkpoint kích thước {from} đã xác minh trước đó (sổ cái bị rẽ nhánh?)',
    'v.err.nokey': 'chưa ghim khóa xác minh',
    'trust.title': 'Khóa xác minh của sổ cái',
    'trust.intro': 'Checkpoint được kiểm tra bằng khóa xác minh ghim trong trình duyệt này, không phải bằng khóa máy chủ tự khai. Hãy so khóa dưới đây với khóa do cơ quan quản lý công bố qua kênh tin cậy (văn bản, lệnh vigil init) rồi xác nhận.',
    'trust.pinned': 'Khóa đang ghim', 'trust.source': 'Nguồn',
    'trust.src.first-use': 'lấy từ máy chủ ở lần dùng đầu — CHƯA được đối chiếu độc lập',
    'trust.src.confirmed': 'đã được người dùng đối chiếu và xác nhận',
    'trust.server': 'Máy chủ tự khai', 'trust.same': 'trùng khóa đang ghim', 'trust.differs': 'KHÁC khóa đang ghim!',
    'trust.enter': 'Dán khóa xác minh nhận qua kênh tin cậy', 'trust.save': 'Ghim và xác nhận khóa này',
    'trust.confirm': 'Tôi đã đối chiếu khóa đang ghim — xác nhận', 'trust.bad': 'Khóa xác minh sai dạng: {why}',
    'trust.saved': 'Đã ghim khóa.', 'trust.banner': 'Khóa xác minh đang dùng là khóa máy chủ tự khai ở lần dùng đầu. Hãy đối chiếu tại trang "Khóa xác minh".',
    'trust.mismatch': 'Máy chủ đang khai một khóa xác minh KHÁC khóa đã ghim trong trình duyệt này. Mọi kiểm chứng sẽ dùng khóa đã ghim.',
    'err.http': 'Lỗi {status}: {detail}', 'err.net': 'Không kết nối được máy chủ: {why}', 'loading': 'Đang tải…',
    'log.line': 'Sổ cái {origin} · {size} mục · {place}',
    'yes': 'có', 'no': 'không', 'unknown': 'không rõ',
  },
  en: {
    'app.title': 'Precursor ledger explorer',
    'nav.search': 'Search', 'nav.alerts': 'Alerts', 'nav.trust': 'Verifier key',
    'signin.title': 'Sign in with your key file',
    'signin.intro': 'Choose your secret key file (a .key file made by vigil keygen). A passphrase-protected key file (vigil keygen --passphrase) is opened right here in the browser; with a key file that has no passphrase, choose its .pub file together with it. The key is held in this browser\'s memory only: it is never sent and never stored. Every lookup request is signed with it.',
    'signin.file': 'Key file (and its .pub if the key has no passphrase)', 'signin.button': 'Sign in',
    'signin.passphrase': 'Passphrase of the key file (if it has one)',
    'signin.needpass': 'This key file is protected by a passphrase: enter the passphrase, then sign in again.',
    'signin.wrongpass': 'Wrong passphrase, or the key file is damaged.',
    'signin.deriving': 'Opening the key file with its passphrase (this can take a few seconds)…',
    'signin.needpub': 'This key file has no passphrase: choose its .pub file (made by vigil keygen beside the .key) together with it, or use a passphrase-protected key file.',
    'signin.pubmismatch': 'The .pub file is not the public key of the chosen secret key file.',
    'signin.toocostly': 'The key file asks for too costly an Argon2id; the page refuses to open it.',
    'signin.reload': 'Reloading or closing the tab clears the key from memory; you then choose the key file again.',
    'signin.badfile': 'This is not a Vigil secret key file (expected one line "vigil-ed25519-seed-v1 …" or "vigil-ed25519-seed-v2-argon2id …").',
    'signin.nowebcrypto': 'This browser has no Ed25519 signatures in WebCrypto. Use a recent Chromium, Chrome, Edge or Firefox.',
    'signin.checking': 'Checking the key with the server…',
    'signin.refused': 'The server did not accept this key',
    'who.as': 'Signed in: {name}', 'who.out': 'Sign out', 'who.key': 'key {key}',
    'role.authority': 'Authority', 'role.police': 'Police', 'role.inspector': 'Inspector', 'role.business': 'Business',
    'search.title': 'Search', 'search.label': 'Business, venue, tax code, licence number, chemical (name or CAS number)',
    'search.placeholder': 'e.g. An Phú, GCN-KDTC-0153-HN, toluene, 67-64-1',
    'search.button': 'Search', 'search.participants': 'Participants', 'search.substances': 'Chemicals',
    'search.none': 'Nothing found.', 'search.hint': 'Type at least 2 characters.',
    'search.holders': 'Participants licensed for it or that have held it',
    'search.nobody': 'No participant yet.', 'search.business': 'A business account sees only its own records.',
    'search.mine': 'My records', 'search.all': 'All participants',
    'p.title': 'Participant', 'p.id': 'Participant id', 'p.role': 'Role', 'p.tax': 'Tax code', 'p.address': 'Address',
    'p.jurisdiction': 'Jurisdiction', 'p.status': 'Status', 'p.active': 'Active', 'p.revoked': 'Revoked (entry {seq})',
    'p.registered': 'Registered in entry', 'p.keys': 'Keys', 'p.licences': 'Licences', 'p.venues': 'Venues',
    'p.stock': 'Stock by chemical', 'p.stockchart': 'Stock of {name} over time', 'p.nostock': 'No stock.',
    'p.transfers': 'Dispatches and receipts', 'p.inspections': 'Inspections', 'p.alerts': 'Alerts', 'p.trail': 'Trail of entries',
    'p.summary': 'Bought, sold and used in the year', 'p.year': 'Year', 'p.more': 'Load more', 'p.none': 'None.',
    'p.alltypes': 'All types', 'p.type': 'Entry type',
    'lic.kind': 'Kind', 'lic.number': 'Number', 'lic.issued': 'Issued', 'lic.expires': 'Expires', 'lic.substances': 'Chemicals', 'lic.venue': 'Venue',
    'lic.expired': 'expired', 'lic.soon': 'expires soon',
    'col.seq': 'Entry', 'col.type': 'Type', 'col.at': 'When', 'col.what': 'What', 'col.substance': 'Chemical',
    'col.quantity': 'Quantity', 'col.from': 'From', 'col.to': 'To', 'col.status': 'Status', 'col.due': 'Due',
    'col.received': 'Received', 'col.transfer': 'Transfer', 'col.venue': 'Venue', 'col.inspector': 'Inspector',
    'col.result': 'Result', 'col.kind': 'Kind', 'col.about': 'About', 'col.in': 'In', 'col.out': 'Out',
    'col.count': 'Entries',
    'sum.in': 'purchases + receipts', 'sum.out': 'sales + dispatches', 'sum.used': 'use + disposal + loss',
    'tr.open': 'Awaiting receipt', 'tr.received': 'Received', 'tr.voided': 'Voided', 'tr.short': 'Received short', 'tr.overdue': 'Receipt overdue',
    'insp.countersigned': 'Countersigned', 'insp.pending': 'Awaiting acknowledgement', 'insp.objected': 'Objected', 'insp.voided': 'Voided',
    'insp.violations': '{n} violation(s)', 'insp.drugs': 'drug tests: {pos}/{tested} positive',
    'alerts.title': 'Alerts dashboard', 'alerts.kind': 'Alert kind', 'alerts.all': 'All', 'alerts.from': 'From', 'alerts.to': 'To',
    'alerts.province': 'Province', 'alerts.commune': 'Commune/ward', 'alerts.show': 'Filter', 'alerts.count': '{n} alerts loaded',
    'alert.threshold_single': 'Single transaction above threshold', 'alert.threshold_window': 'Cumulative threshold exceeded',
    'alert.unusual_size': 'Unusual quantity', 'alert.receipt_short': 'Received less than dispatched', 'alert.receipt_overdue': 'Receipt overdue',
    'alert.loss_reported': 'Loss reported', 'alert.count_mismatch': 'Count differs from ledger', 'alert.venue_violation': 'Venue violation',
    'alert.repeat_violation': 'Repeat violation', 'alert.licence_expiring': 'Licence expiring',
    'alert.outside_buyer_window': 'Outside buyer above cumulative threshold', 'alert.late_entry': 'Record filed late',
    'alert.critical_item': 'Critical checklist item failed', 'alert.self_void': 'Own outgoing record voided',
    'am.threshold_single': '{amount} of {substance} in one transaction, above the {limit} limit',
    'am.threshold_window': '{total} of {substance} in the {days} days to {end}, above the {limit} limit (this record: {amount})',
    'am.outside_buyer_window': 'sold to outside enterprise {buyer}: {total} of {substance} in the {days} days to {end}, above the {limit} limit',
    'am.late_entry': 'record dated {record_at} filed {days_late} days late',
    'am.unusual_size': '{amount} of {substance}, far above the buyer\'s average of {average}',
    'am.receipt_short': 'received {received} of the {dispatched} of {substance} dispatched (transfer {transfer}, {counterparty}); {in_transit} unaccounted for',
    'am.receipt_overdue': 'transfer {transfer} ({substance}) with {counterparty} was not received in time',
    'am.loss_reported': '{amount} of {substance} reported lost',
    'am.count_mismatch': 'counted {counted} of {substance}, the ledger holds {ledger}',
    'am.venue_violation': 'venue {venue}: {violations} violation(s), {positive} positive drug test(s)',
    'am.repeat_violation': 'venue {venue}: {count} inspections with violations within 12 months',
    'am.licence_expiring': 'licence {licence} expires soon',
    'am.critical_item': 'critical checklist item(s) failed: {items}',
    'am.self_void': 'voided its own {target} (entry {target_seq})',
    'e.title': 'Ledger entry {seq}', 'e.type': 'Type', 'e.ts': 'Accepted by the server', 'e.at': 'When it happened',
    'e.actor': 'Recorded by', 'e.signer': 'Signing key', 'e.payload': 'The record', 'e.raw': 'Raw data (the entry bytes)',
    'e.verify': 'Verify in this browser', 'e.prev': 'Previous entry', 'e.next': 'Next entry',
    'e.verifyintro': 'This browser recomputes the entry\'s hash, checks the Merkle proof and the checkpoint signature with the pinned verifier key ({source}). No "valid" claim of the server is trusted.',
    'v.fetch': 'Fetch the raw bytes of entry {seq}', 'v.fetch.d': '{n} bytes; the entry\'s seq field = {seq}',
    'v.leaf': 'Compute the RFC 6962 leaf hash: SHA-256(0x00 ‖ entry bytes)', 'v.leaf.d': '{hash}{note}',
    'v.leaf.diff': ' — differs from the server\'s value ({server})', 'v.leaf.same': ' — same as the server\'s value',
    'v.cp': 'Fetch the signed checkpoint (/checkpoint)', 'v.cp.d': 'origin {origin}, size {size}, root {root}',
    'v.sig': 'Check the checkpoint\'s Ed25519 signature with the pinned verifier key', 'v.sig.d': 'key {key}',
    'v.proof': 'Fetch the inclusion proof of entry {seq} in the tree of size {size}', 'v.proof.d': '{n} hashes',
    'v.root': 'Recompute the Merkle root from the leaf hash and the proof; compare with the checkpoint\'s root', 'v.root.d': 'computed {root}',
    'v.cons': 'Check consistency with the checkpoint this browser verified before', 'v.cons.d': '{detail}',
    'v.cons.first': 'first time: remembering the checkpoint of size {size}', 'v.cons.same': 'same size {size}, same root',
    'v.cons.grow': 'the log grew from {from} to {to} entries, append-only',
    'v.ok': '✔ VERIFIED: entry {seq} is in the log whose checkpoint of size {size} is signed by the pinned verifier key.',
    'v.bad': '✘ NOT VERIFIED: {why}', 'v.step': 'step {n}',
    'v.err.seq': 'the server returned an entry with seq {got}, not {want}',
    'v.err.origin': 'the checkpoint origin "{origin}" is not the verifier key name "{name}"',
    'v.err.nosig': 'the checkpoint has no signature by key "{name}" (key hash {hash})',
    'v.err.badsig': 'the checkpoint signature does not verify with the pinned verifier key',
    'v.err.root': 'the recomputed root {got} differs from the checkpoint root {want}',
    'v.wit': 'Check the witnesses\' cosignatures on the checkpoint (pinned witness keys)', 'v.wit.d': 'cosigned by {n} of {of} witnesses ({names}); quorum {q}',
    'v.wit.none': 'no witness key pinned (see the "Verifier key" page)',
    'v.err.witq': 'the checkpoint is cosigned by {n} of {of} pinned witnesses; {q} are required — it is not believed',
    'v.err.witbad': 'the cosignature of witness {name} does not verify',
    'v.err.notyet': 'entry {seq} is newer than the checkpoint (size {size}): the witnesses have not cosigned it yet — try again in a minute',
    'v.ok.wit': ' Cosigned by {n} of {of} pinned witnesses.',
    'wit.title': 'Witnesses', 'wit.intro': 'Witnesses are independent parties (the procuracy, the Department of Industry and Trade, another province\'s police) that cosign a checkpoint only if it is consistent with everything they cosigned before. Pin their keys here (received through a trusted channel) and this browser refuses a checkpoint cosigned by fewer than the quorum.',
    'wit.none': 'No witness key pinned: checkpoints are checked with the log\'s key alone.',
    'wit.enter': 'Paste a witness verifier key (printed by vigil witness init)', 'wit.add': 'Pin this witness', 'wit.remove': 'Remove',
    'wit.quorum': 'Cosignatures required (quorum)', 'wit.quorum.save': 'Save quorum',
    'wit.bad': 'Malformed witness key: {why}', 'wit.saved': 'Witnesses saved.',
    'v.err.proof': 'malformed inclusion proof: {why}',
    'v.err.rollback': 'checkpoint size {to} is smaller than the checkpoint of size {from} verified before (rolled back?)',
    'v.err.fork': 'the checkpoint is not consistent with the checkpoint of size {from} verified before (forked?)',
    'v.err.nokey': 'no verifier key is pinned',
    'trust.title': 'The log\'s verifier key',
    'trust.intro': 'Checkpoints are checked with the verifier key pinned in this browser, not with whatever key the server claims. Compare the key below with the one the authority published through a trusted channel (a letter, the output of vigil init) and confirm it.',
    'trust.pinned': 'Pinned key', 'trust.source': 'Source',
    'trust.src.first-use': 'taken from the server on first use — NOT independently compared yet',
    'trust.src.confirmed': 'compared and confirmed by the user',
    'trust.server': 'The server claims', 'trust.same': 'same as the pinned key', 'trust.differs': 'DIFFERENT from the pinned key!',
    'trust.enter': 'Paste the verifier key received through a trusted channel', 'trust.save': 'Pin and confirm this key',
    'trust.confirm': 'I have compared the pinned key — confirm it', 'trust.bad': 'Malformed verifier key: {why}',
    'trust.saved': 'Key pinned.', 'trust.banner': 'The verifier key in use was taken from the server on first use. Compare it on the "Verifier key" page.',
    'trust.mismatch': 'The server claims a verifier key DIFFERENT from the one pinned in this browser. Every verification uses the pinned key.',
    'err.http': 'Error {status}: {detail}', 'err.net': 'Cannot reach the server: {why}', 'loading': 'Loading…',
    'log.line': 'Log {origin} · {size} entries · {place}',
    'yes': 'yes', 'no': 'no', 'unknown': 'unknown',
  },
};

// Names of record types, licence kinds and payload fields.
const TYPES = {
  'participant.register': ['Đăng ký đối tượng', 'Participant registration'],
  'participant.update': ['Cập nhật đối tượng', 'Participant update'],
  'participant.revoke': ['Thu hồi đối tượng', 'Participant revoked'],
  'key.add': ['Thêm khóa', 'Key added'], 'key.revoke': ['Thu hồi khóa', 'Key revoked'],
  'catalog.add': ['Bổ sung danh mục hóa chất', 'Catalogue addition'], 'threshold.set': ['Đặt ngưỡng', 'Threshold set'],
  'settings.set': ['Thay đổi tham số', 'Settings changed'], 'checklist.add': ['Bổ sung nội dung kiểm tra', 'Checklist item added'],
  'chem.purchase': ['Mua vào', 'Purchase'], 'chem.sale': ['Bán ra', 'Sale'], 'chem.dispatch': ['Xuất giao', 'Dispatch'],
  'chem.receipt': ['Nhận hàng', 'Receipt'], 'chem.use': ['Sử dụng', 'Use'], 'chem.dispose': ['Tiêu hủy', 'Disposal'],
  'chem.loss': ['Mất, thất thoát', 'Loss'], 'chem.stocktake': ['Kiểm kê', 'Stocktake'],
  'inspection.venue': ['Kiểm tra cơ sở kinh doanh', 'Venue inspection'], 'inspection.stock': ['Kiểm tra tồn kho', 'Stock inspection'],
  'inspection.ack': ['Xác nhận biên bản kiểm tra', 'Inspection acknowledgement'],
  'correction': ['Đính chính', 'Correction'], 'erasure': ['Xóa dữ liệu cá nhân', 'Personal data erasure'],
  'police.note': ['Ghi chú của công an', 'Police note'], 'genesis': ['Khởi tạo sổ cái', 'Log genesis'],
};
const LICENCES = {
  precursor_trading: ['Kinh doanh tiền chất', 'Precursor trading'], precursor_use: ['Sử dụng tiền chất', 'Precursor use'],
  import_export: ['Xuất nhập khẩu tiền chất', 'Precursor import/export'], karaoke: ['Karaoke', 'Karaoke'],
  bar: ['Quán bar', 'Bar'], dance_hall: ['Vũ trường', 'Dance hall'],
};
const FIELDS = {
  type: ['Loại bản ghi', 'Record type'], id: ['Mã bản ghi', 'Record id'], actor: ['Người ghi', 'Recorded by'], at: ['Thời điểm', 'When'],
  participant: ['Đối tượng', 'Participant'], role: ['Vai trò', 'Role'], legal_name: ['Tên pháp lý', 'Legal name'],
  tax_code: ['Mã số thuế', 'Tax code'], address: ['Địa chỉ', 'Address'], jurisdiction: ['Địa bàn', 'Jurisdiction'],
  province: ['Tỉnh/thành', 'Province'], commune: ['Xã/phường', 'Commune'], licences: ['Giấy phép', 'Licences'],
  venues: ['Cơ sở', 'Venues'], keys: ['Khóa công khai', 'Public keys'], key: ['Khóa', 'Key'],
  substance: ['Hóa chất', 'Chemical'], substances: ['Hóa chất', 'Chemicals'], quantity: ['Số lượng', 'Quantity'], unit: ['Đơn vị', 'Unit'],
  concentration: ['Nồng độ (% khối lượng)', 'Concentration (% w/w)'], lot: ['Số lô', 'Lot'], packaging: ['Quy cách đóng gói', 'Packaging'],
  purpose: ['Mục đích', 'Purpose'], transport: ['Phương tiện vận chuyển', 'Transport'], documents: ['Chứng từ', 'Documents'],
  note: ['Ghi chú', 'Note'], personal_commitment: ['Cam kết dữ liệu cá nhân (băm)', 'Personal data commitment (hash)'],
  party: ['Bên ngoài sổ cái', 'Party outside the ledger'], name: ['Tên', 'Name'], enterprise_code: ['Mã doanh nghiệp', 'Enterprise code'],
  licence_number: ['Số giấy phép', 'Licence number'], country: ['Quốc gia', 'Country'], invoice: ['Hóa đơn', 'Invoice'],
  counterparty: ['Bên đối ứng', 'Counterparty'], transfer_id: ['Mã phiếu', 'Transfer id'], product: ['Sản phẩm', 'Product'],
  witness: ['Người chứng kiến', 'Witness'], method: ['Phương pháp', 'Method'], kind: ['Loại', 'Kind'],
  discovered_at: ['Phát hiện lúc', 'Discovered at'], police_report: ['Tin báo công an', 'Police report'],
  business: ['Doanh nghiệp', 'Business'], venue: ['Cơ sở', 'Venue'], started_at: ['Bắt đầu', 'Started'], ended_at: ['Kết thúc', 'Ended'],
  team: ['Đoàn kiểm tra', 'Team'], checklist: ['Kết quả theo nội dung kiểm tra', 'Checklist results'], violations: ['Vi phạm', 'Violations'],
  sanctions: ['Đề xuất xử lý', 'Proposed sanctions'], evidence: ['Chứng cứ', 'Evidence'], approval_ref: ['Quyết định kiểm tra đột xuất', 'Surprise inspection approval'],
  drug_tests: ['Test ma túy', 'Drug tests'], tested: ['Số người test', 'Tested'], positive: ['Dương tính', 'Positive'],
  counts: ['Số kiểm đếm', 'Counts'], counted: ['Đếm được', 'Counted'], inspection_seq: ['Biên bản kiểm tra (mục)', 'Inspection (entry)'],
  decision: ['Ý kiến', 'Decision'], reason: ['Lý do', 'Reason'], target_seq: ['Mục được đính chính', 'Entry corrected'],
  action: ['Hành động', 'Action'], order_ref: ['Quyết định', 'Order'], text: ['Nội dung', 'Text'], subject: ['Về', 'Subject'],
  refs: ['Tham chiếu', 'References'], number: ['Số', 'Number'], issued: ['Ngày cấp', 'Issued'], expires: ['Hết hạn', 'Expires'],
  sha256: ['SHA-256', 'SHA-256'], code: ['Mã', 'Code'], result: ['Kết quả', 'Result'], item: ['Nội dung', 'Item'],
  hours: ['Giờ hoạt động', 'Opening hours'], open: ['Mở cửa', 'Opens'], close: ['Đóng cửa', 'Closes'], rooms: ['Phòng', 'Rooms'],
  area_m2: ['Diện tích (m²)', 'Area (m²)'], single_max: ['Ngưỡng một lần', 'Single transaction limit'],
  window_max: ['Ngưỡng cộng dồn', 'Cumulative limit'], window_days: ['Số ngày cộng dồn', 'Window (days)'], settings: ['Tham số', 'Settings'],
  list: ['Danh mục', 'List'], cas: ['Số CAS', 'CAS numbers'], name_en: ['Tên tiếng Anh', 'English name'], name_vi: ['Tên tiếng Việt', 'Vietnamese name'],
  table: ['Bảng', 'Table'], origin: ['Nguồn gốc sổ cái', 'Log origin'], log_key: ['Khóa sổ cái', 'Log key'],
};

// ---------------------------------------------------------------------------------------------
// State

const state = {
  lang: localStorage.getItem('vigil.lang') === 'en' ? 'en' : 'vi',
  key: null,        // {privateKey: CryptoKey (non-extractable), keyId}
  me: null,         // GET /v1/me
  log: null,        // GET /v1/log
  catalog: null,    // GET /v1/catalog
};

function t(key, params = {}) {
  const s = TEXT[state.lang][key] ?? TEXT.vi[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (m, k) => (params[k] === undefined ? m : String(params[k])));
}
const pick = (pair) => (pair ? pair[state.lang === 'vi' ? 0 : 1] : '');
const typeName = (type) => pick(TYPES[type]) || type;
const licenceName = (kind) => pick(LICENCES[kind]) || kind;
const fieldName = (f) => pick(FIELDS[f]) || f;
const locale = () => (state.lang === 'vi' ? 'vi-VN' : 'en-GB');

// ---------------------------------------------------------------------------------------------
// DOM helpers (text only: nothing from the server is ever parsed as HTML)

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, children);
  return el;
}
function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}
const SVG = 'http://www.w3.org/2000/svg';
function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v);
  }
  for (const c of children.flat()) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}
const main = () => document.getElementById('main');
// Which call of route() may draw the page: a view that finishes after the user has moved on
// (a slow participant page, then a click to the search) must not draw over the newer view.
let routeSeq = 0;
const beginRoute = () => ++routeSeq;
const currentRoute = () => routeSeq;
const isCurrent = (seq) => seq === routeSeq;
function show(...children) {
  const m = main();
  m.replaceChildren();
  append(m, children);
}
const table = (head, rows, cls = []) => h('div', { class: 'table-wrap' },
  h('table', {}, h('thead', {}, h('tr', {}, head.map((c, i) => h('th', { class: cls[i] }, c)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c, i) => h('td', { class: cls[i] }, c)))))));
const notice = (kind, ...text) => h('div', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, ...text);
const badge = (text, kind = '') => h('span', { class: `badge ${kind}` }, text);
const link = (href, ...text) => h('a', { href }, ...text);
const entryLink = (seq) => link(`#/entry/${seq}`, `#${seq}`);
const partyLink = (id) => (id ? link(`#/p/${encodeURIComponent(id)}`, id) : '');

// ---------------------------------------------------------------------------------------------
// Formatting

const TZ = 'Asia/Ho_Chi_Minh';
const DAY = { day: '2-digit', month: '2-digit', year: 'numeric' };
function fmtTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale(), { ...DAY, hour: '2-digit', minute: '2-digit', timeZone: TZ }).format(d);
}
function fmtDate(iso) {
  if (!iso) return '';
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(iso) ? `${iso}T00:00:00Z` : iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale(), { ...DAY, timeZone: /^\d{4}-\d{2}-\d{2}$/.test(iso) ? 'UTC' : TZ }).format(d);
}
const fmtInt = (n) => new Intl.NumberFormat(locale()).format(n);
// An exact decimal string ("12.500") in the reader's format, without floating point.
function fmtDecimal(str) {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(String(str));
  if (!m) return String(str);
  const parts = new Intl.NumberFormat(locale()).formatToParts(1.5);
  const dot = parts.find((p) => p.type === 'decimal')?.value ?? '.';
  const int = new Intl.NumberFormat(locale()).format(BigInt(m[2]));
  return m[1] + int + (m[3] ? dot + m[3] : '');
}
// Amounts of the state are integers of mg (solids) or µL (liquids); shown in kg or L.
function unitOf(substanceId) {
  const sub = substanceById(substanceId);
  return sub && sub.unit === 'kg' ? 'kg' : 'L';
}
function fmtAmount(amount, substanceId, unit) {
  const u = unit === 'mg' ? 'kg' : unit === 'uL' ? 'L' : (unit || unitOf(substanceId));
  const n = typeof amount === 'bigint' ? amount : BigInt(Math.trunc(Number(amount)));
  const neg = n < 0n;
  const a = neg ? -n : n;
  const whole = a / 1000000n;
  let frac = (a % 1000000n).toString().padStart(6, '0').replace(/0+$/, '');
  return `${fmtDecimal(`${neg ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`)} ${u}`;
}
// Quantity strings of payloads ("12.500" with "kg", "g", "L", "mL") as exact integers of mg/µL.
function toMicro(quantity, unit) {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(String(quantity ?? ''));
  if (!m) return null;
  const scale = { kg: 6, L: 6, g: 3, mL: 3 }[unit];
  if (scale === undefined || (m[2] || '').length > scale) return null;
  return BigInt(m[1] + (m[2] || '').padEnd(scale, '0'));
}
function substanceById(id) {
  return state.catalog?.substances?.find((x) => x.id === id || (x.cas || []).includes(id)) || null;
}
function substanceName(id) {
  const sub = substanceById(id);
  if (!sub) return id || '';
  return (state.lang === 'vi' && sub.name_vi) ? sub.name_vi : sub.name_en;
}
const roleName = (role) => t(`role.${role}`);
function placeName(j) {
  if (!j) return '';
  return [j.commune, j.province].filter(Boolean).join(', ');
}

// ---------------------------------------------------------------------------------------------
// Bytes, base64, hashes

const enc = new TextEncoder();
function b64encode(bytes) {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}
function b64decode(text) {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new Error('not base64');
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
const sha256 = async (bytes) => new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
const equalBytes = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
const hashLeaf = (entry) => sha256(concat(Uint8Array.of(0), entry));
const hashNode = (l, r) => sha256(concat(Uint8Array.of(1), l, r));

// ---------------------------------------------------------------------------------------------
// Keys and signed requests (docs/api.md "Signing requests")

const SEED_PREFIX = 'vigil-ed25519-seed-v1 ';
const SEALED_PREFIX = 'vigil-ed25519-seed-v2-argon2id ';
const PUB_PREFIX = 'vigil-ed25519-public-v1 ';
// PKCS#8 wrapping of a 32-byte Ed25519 seed (RFC 8410): the DER header, then the seed.
const PKCS8_ED25519 = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);
// The Argon2id costs a protected file may ask for (keys/key_file.h): more is refused before
// anything is derived, so a crafted file cannot make the page allocate gigabytes.
const KDF_MAX_T = 10;
const KDF_MIN_M = 8;
const KDF_MAX_M = 1024 * 1024;

// Standard base64 of `bytes[from..]` (up to a line end) decoded without making a string, so a
// secret's text can be wiped; null if it is not strict padded base64.
function b64decodeBytes(bytes, from) {
  let end = bytes.length;
  while (end > from && (bytes[end - 1] === 10 || bytes[end - 1] === 13)) end--;
  const n = end - from;
  if (n % 4 !== 0) return null;
  const val = (c) => (c >= 65 && c <= 90 ? c - 65 : c >= 97 && c <= 122 ? c - 71 : c >= 48 && c <= 57 ? c + 4 : c === 43 ? 62 : c === 47 ? 63 : -1);
  let pad = 0;
  if (n && bytes[end - 1] === 61) pad++;
  if (n && bytes[end - 2] === 61) pad++;
  const out = new Uint8Array((n / 4) * 3 - pad);
  let o = 0;
  for (let i = from; i < end; i += 4) {
    const q = [0, 1, 2, 3].map((k) => (i + k >= end - pad ? 0 : val(bytes[i + k])));
    if (q.some((x) => x < 0)) { out.fill(0); return null; }
    const v = (q[0] << 18) | (q[1] << 12) | (q[2] << 6) | q[3];
    for (const b of [v >> 16, (v >> 8) & 255, v & 255]) if (o < out.length) out[o++] = b;
  }
  return out;
}
const startsWith = (bytes, prefix) => prefix.length <= bytes.length && [...prefix].every((c, i) => bytes[i] === c.charCodeAt(0));

// Opens a passphrase-protected key file's 128-byte body (docs/formats.md "Key files"): public
// key ‖ salt ‖ opslimit ‖ memlimit (KiB) ‖ nonce ‖ sealed seed. Argon2id and
// XChaCha20-Poly1305 come from the vendored noble libraries (noble.js, loaded only here).
async function openSealedSeed(body, passphrase, onDerive) {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const ops = view.getUint32(48);
  const mem = view.getUint32(52);
  if (ops < 1 || ops > KDF_MAX_T || mem < KDF_MIN_M || mem > KDF_MAX_M) throw new Error(t('signin.toocostly'));
  if (!passphrase.length) throw new Error(t('signin.needpass'));
  onDerive();
  const { argon2idAsync, xchacha20poly1305 } = await import('/web/noble.js');
  const key = await argon2idAsync(passphrase, body.slice(32, 48), { t: ops, m: mem, p: 1, dkLen: 32, version: 0x13 });
  try {
    const ad = concat(enc.encode(SEALED_PREFIX.trimEnd()), body.subarray(0, 80));
    return xchacha20poly1305(key, body.slice(56, 80), ad).decrypt(body.slice(80));
  } catch {
    throw new Error(t('signin.wrongpass'));
  } finally {
    key.fill(0);
  }
}

// Signs in with the chosen files: one secret key file and, for a plain one, its .pub. The
// public key (for the key id) is never computed from the seed here: every way of doing that
// in a page (exporting a JWK, scalar arithmetic on BigInts) leaves copies of secret values that
// JavaScript cannot wipe. It comes from a file instead (inside a protected key file, where
// the passphrase authenticates it, or the .pub beside a plain one) and is checked by one test
// signature. The seed is held only in Uint8Arrays that are wiped; the key kept for signing is
// non-extractable. `passphrase` (bytes) is wiped by the caller.
async function importKeyFile(files, passphrase, onDerive = () => {}) {
  if (!files.length || files.length > 2) throw new Error(t('signin.badfile'));
  const bufs = [];
  let seed = null;
  let der = null;
  try {
    for (const f of files) {
      if (f.size > 4096) throw new Error(t('signin.badfile'));
      bufs.push(new Uint8Array(await f.arrayBuffer()));
    }
    let pub = null;
    let secret = null;
    for (const buf of bufs) {
      if (startsWith(buf, PUB_PREFIX)) {
        let text;
        try { text = new TextDecoder('utf-8', { fatal: true }).decode(buf).replace(/[\r\n]+$/, ''); } catch { throw new Error(t('signin.badfile')); }
        try { pub = b64decode(text.slice(PUB_PREFIX.length)); } catch { throw new Error(t('signin.badfile')); }
        if (pub.length !== 32) throw new Error(t('signin.badfile'));
      } else if (secret === null && (startsWith(buf, SEED_PREFIX) || startsWith(buf, SEALED_PREFIX))) {
        secret = buf;
      } else {
        throw new Error(t('signin.badfile'));
      }
    }
    if (secret === null) throw new Error(t('signin.badfile'));
    if (startsWith(secret, SEALED_PREFIX)) {
      const body = b64decodeBytes(secret, SEALED_PREFIX.length);
      if (!body || body.length !== 128) throw new Error(t('signin.badfile'));
      pub = body.slice(0, 32);  // authenticated by the AEAD; a .pub chosen too is ignored
      seed = await openSealedSeed(body, passphrase, onDerive);
    } else {
      seed = b64decodeBytes(secret, SEED_PREFIX.length);
      if (!seed || seed.length !== 32) throw new Error(t('signin.badfile'));
      if (!pub) throw new Error(t('signin.needpub'));
    }
    der = concat(PKCS8_ED25519, seed);
    let signing;
    let ok;
    try {
      signing = await crypto.subtle.importKey('pkcs8', der, { name: 'Ed25519' }, false, ['sign']);
      const verifier = await crypto.subtle.importKey('raw', pub, { name: 'Ed25519' }, true, ['verify']);
      const probe = enc.encode('vigil key file check');
      const sig = await crypto.subtle.sign({ name: 'Ed25519' }, signing, probe);
      ok = await crypto.subtle.verify({ name: 'Ed25519' }, verifier, sig, probe);
    } catch (e) {
      if (e instanceof DOMException && e.name === 'NotSupportedError') throw new Error(t('signin.nowebcrypto'));
      throw e;
    }
    if (!ok) throw new Error(t('signin.pubmismatch'));
    const keyId = hex((await sha256(pub)).slice(0, 8));
    return { privateKey: signing, keyId };
  } finally {
    for (const buf of bufs) buf.fill(0);
    if (seed) seed.fill(0);
    if (der) der.fill(0);
  }
}

function nonce() {
  // 18 random bytes as URL-safe base64 (24 characters), like the vigil command.
  return b64encode(crypto.getRandomValues(new Uint8Array(18))).replace(/\+/g, '-').replace(/\//g, '_');
}

// The three signature headers for `method` and the target the browser will send, bound to this
// log's origin (docs/api.md "Signing requests").
async function signatureHeaders(method, target, body = new Uint8Array()) {
  if (!state.log) state.log = await api('/v1/log', { signed: false });
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? '?' : target.slice(q);
  const digest = `sha-256=:${b64encode(await sha256(body))}:`;
  const created = Math.floor(Date.now() / 1000);
  const params = `("@method" "@path" "@query" "content-digest");created=${created};keyid="${state.key.keyId}";alg="ed25519";nonce="${nonce()}"`;
  const base = `vigil/v2/request\n${state.log.origin}\n"@method": ${method}\n"@path": ${path}\n"@query": ${query}\n` +
    `"content-digest": ${digest}\n"@signature-params": ${params}`;
  const sig = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, state.key.privateKey, enc.encode(base)));
  return { 'Content-Digest': digest, 'Signature-Input': `vigil=${params}`, 'Signature': `vigil=:${b64encode(sig)}:` };
}

class ApiError extends Error {
  constructor(status, detail) {
    super(status ? t('err.http', { status, detail }) : t('err.net', { why: detail }));
    this.status = status;
    this.detail = detail;
  }
}

// Query strings: every byte outside the unreserved set is percent-encoded, so the target the
// browser sends is the one that was signed.
function query(params) {
  const parts = [];
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    const e = encodeURIComponent(String(v)).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    parts.push(`${k}=${e}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

async function api(path, { signed = true, text = false } = {}) {
  const url = new URL(path, location.origin);
  const target = url.pathname + url.search;
  const headers = signed ? await signatureHeaders('GET', target) : {};
  let res;
  try {
    res = await fetch(url, { headers, cache: 'no-store', credentials: 'omit', redirect: 'error' });
  } catch (e) {
    throw new ApiError(0, e.message);
  }
  const body = await res.text();
  if (!res.ok) {
    let detail = body.slice(0, 300);
    try { detail = JSON.parse(body).detail || detail; } catch { /* not a problem document */ }
    throw new ApiError(res.status, detail);
  }
  if (text) return body;
  return JSON.parse(body);
}

async function catalog() {
  if (!state.catalog) state.catalog = await api('/v1/catalog', { signed: false });
  return state.catalog;
}

// Every page of a list route (up to `max` items).
async function allPages(path, params, max = 2000) {
  const items = [];
  let after = '';
  for (;;) {
    const page = await api(path + query({ ...params, limit: 500, after }));
    items.push(...page.items);
    if (!page.next || items.length >= max) return { items, more: Boolean(page.next) };
    after = page.next;
  }
}

// ---------------------------------------------------------------------------------------------
// Verifier key pinning (C2SP signed-note verifier key: name+hash+base64(0x01 || key))

const PIN = 'vigil.verifier_key';
const KEY_ED25519 = 0x01;  // a log's checkpoint key
const KEY_COSIGNATURE = 0x04;  // a witness's key (C2SP tlog-cosignature v1)
async function parseVerifierKey(vkey, type = KEY_ED25519) {
  // name+hash+key; the name has no '+', the base64 key may have some.
  const text = String(vkey).trim();
  const i = text.indexOf('+');
  const j = text.indexOf('+', i + 1);
  if (i <= 0 || j < 0) throw new Error('name+hash+key');
  const [name, hash8, keyB64] = [text.slice(0, i), text.slice(i + 1, j), text.slice(j + 1)];
  if (!name || /\s/.test(name)) throw new Error('name');
  if (!/^[0-9a-f]{8}$/.test(hash8)) throw new Error('key hash');
  const raw = b64decode(keyB64);
  if (raw.length !== 33 || raw[0] !== type) {
    throw new Error(type === KEY_ED25519 ? 'not a log key (Ed25519, type 0x01)' : 'not a witness key (cosignature, type 0x04)');
  }
  const keyHash = (await sha256(concat(enc.encode(name), Uint8Array.of(0x0a), raw))).slice(0, 4);
  if (hex(keyHash) !== hash8) throw new Error('key hash does not match the key');
  const publicKey = await crypto.subtle.importKey('raw', raw.slice(1), { name: 'Ed25519' }, false, ['verify']);
  return { name, keyHash, publicKey, text };
}
function pinned() {
  try { return JSON.parse(localStorage.getItem(PIN) || 'null'); } catch { return null; }
}
function setPin(key, source) {
  localStorage.setItem(PIN, JSON.stringify({ key, source }));
}

// Pinned witnesses: {keys: [verifier key text], quorum: n}. No keys: the log's signature alone.
const WITNESSES = 'vigil.witnesses';
function witnessPolicy() {
  let p = null;
  try { p = JSON.parse(localStorage.getItem(WITNESSES) || 'null'); } catch { p = null; }
  const keys = Array.isArray(p?.keys) ? p.keys.filter((k) => typeof k === 'string') : [];
  const quorum = Math.min(Math.max(Number(p?.quorum) || keys.length, keys.length ? 1 : 0), keys.length);
  return { keys, quorum };
}
function setWitnessPolicy(keys, quorum) {
  localStorage.setItem(WITNESSES, JSON.stringify({ keys, quorum }));
}

// Counts the pinned witnesses whose tlog-cosignature v1 line on checkpoint `cp` verifies:
// key hash (4) || big-endian time (8) || Ed25519 signature (64) over
// "cosignature/v1\ntime <time>\n" + body. A bad cosignature by a pinned witness throws.
async function countCosigners(cp, witnesses) {
  const names = [];
  for (const w of witnesses) {
    for (const sig of cp.sigs) {
      if (sig.name !== w.name || sig.bytes.length !== 76 || !equalBytes(sig.bytes.slice(0, 4), w.keyHash)) continue;
      let time = 0n;
      for (const b of sig.bytes.slice(4, 12)) time = (time << 8n) | BigInt(b);
      const msg = enc.encode(`cosignature/v1\ntime ${time}\n${cp.body}`);
      if (!(await crypto.subtle.verify({ name: 'Ed25519' }, w.publicKey, sig.bytes.slice(12), msg))) {
        throw new Error(t('v.err.witbad', { name: w.name }));
      }
      if (!names.includes(w.name)) names.push(w.name);
    }
  }
  return names;
}

// ---------------------------------------------------------------------------------------------
// Merkle proofs (RFC 9162 §2.1.3.2 and §2.1.4.2), over BigInt indexes

async function rootFromInclusion(index, size, leaf, proof) {
  let fn = BigInt(index);
  let sn = BigInt(size) - 1n;
  if (fn > sn) throw new Error(`index ${index} >= size ${size}`);
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) throw new Error('proof too long');
    if ((fn & 1n) === 1n || fn === sn) {
      r = await hashNode(p, r);
      if ((fn & 1n) === 0n) while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
    } else {
      r = await hashNode(r, p);
    }
    fn >>= 1n; sn >>= 1n;
  }
  if (sn !== 0n) throw new Error('proof too short');
  return r;
}

async function verifyConsistency(first, second, firstRoot, secondRoot, proof) {
  const a = BigInt(first);
  const b = BigInt(second);
  if (a === b) return proof.length === 0 && equalBytes(firstRoot, secondRoot);
  if (a === 0n || a > b || proof.length === 0) return false;
  let path = proof;
  if ((a & (a - 1n)) === 0n) path = [firstRoot, ...proof];
  let fn = a - 1n;
  let sn = b - 1n;
  while ((fn & 1n) === 1n) { fn >>= 1n; sn >>= 1n; }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      fr = await hashNode(c, fr);
      sr = await hashNode(c, sr);
      if ((fn & 1n) === 0n) while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
    } else {
      sr = await hashNode(sr, c);
    }
    fn >>= 1n; sn >>= 1n;
  }
  return sn === 0n && equalBytes(fr, firstRoot) && equalBytes(sr, secondRoot);
}

// A C2SP checkpoint note: body lines origin, size, root; then signature lines "— name base64".
function parseCheckpoint(text) {
  const split = text.indexOf('\n\n');
  if (split < 0 || !text.endsWith('\n')) throw new Error('not a signed note');
  const body = text.slice(0, split + 1);
  const lines = body.split('\n');
  const [origin, sizeText, rootText] = lines;
  if (!/^(0|[1-9]\d*)$/.test(sizeText || '')) throw new Error('bad size line');
  const root = b64decode(rootText || '');
  if (root.length !== 32) throw new Error('bad root line');
  const sigs = [];
  for (const line of text.slice(split + 2).split('\n')) {
    if (!line) continue;
    const m = /^— (\S+) (\S+)$/.exec(line);
    if (!m) throw new Error('bad signature line');
    sigs.push({ name: m[1], bytes: b64decode(m[2]) });
  }
  return { body, origin, size: BigInt(sizeText), root, sigs };
}

// Runs every step of the in-browser verification of entry `seq`, reporting each to `report`
// (index, status 'run'|'ok'|'bad', detail, label parameters). Returns {ok, why, size}.
async function verifyEntry(seq, report) {
  let current = -1;
  const step = async (i, fn, label = {}) => {
    current = i;
    report(i, 'run', '', label);
    try {
      const detail = await fn();
      report(i, 'ok', detail, label);
    } catch (e) {
      report(i, 'bad', e.message, label);
      throw e;
    }
  };
  let entryBytes, serverLeaf, leaf, cp, vk, proof;
  let cosigned = '';
  try {
    const pin = pinned();
    if (!pin) throw new Error(t('v.err.nokey'));
    vk = await parseVerifierKey(pin.key);
    await step(0, async () => {
      const r = await api(`/v1/entries/${seq}`);
      entryBytes = enc.encode(r.entry);
      serverLeaf = r.leaf_hash;
      const e = JSON.parse(r.entry);
      if (String(e.seq) !== String(seq)) throw new Error(t('v.err.seq', { got: e.seq, want: seq }));
      return t('v.fetch.d', { n: fmtInt(entryBytes.length), seq: e.seq });
    });
    await step(1, async () => {
      leaf = await hashLeaf(entryBytes);
      const mine = b64encode(leaf);
      return t('v.leaf.d', { hash: mine, note: mine === serverLeaf ? t('v.leaf.same') : t('v.leaf.diff', { server: serverLeaf }) });
    });
    await step(2, async () => {
      cp = parseCheckpoint(await api('/checkpoint', { signed: false, text: true }));
      return t('v.cp.d', { origin: cp.origin, size: fmtInt(cp.size), root: b64encode(cp.root) });
    });
    await step(3, async () => {
      if (cp.origin !== vk.name) throw new Error(t('v.err.origin', { origin: cp.origin, name: vk.name }));
      const sig = cp.sigs.find((x) => x.name === vk.name && x.bytes.length === 68 && equalBytes(x.bytes.slice(0, 4), vk.keyHash));
      if (!sig) throw new Error(t('v.err.nosig', { name: vk.name, hash: hex(vk.keyHash) }));
      const ok = await crypto.subtle.verify({ name: 'Ed25519' }, vk.publicKey, sig.bytes.slice(4), enc.encode(cp.body));
      if (!ok) throw new Error(t('v.err.badsig'));
      return t('v.sig.d', { key: vk.text });
    });
    await step(4, async () => {
      const policy = witnessPolicy();
      if (!policy.keys.length) return t('v.wit.none');
      const witnesses = [];
      for (const k of policy.keys) witnesses.push(await parseVerifierKey(k, KEY_COSIGNATURE));
      const names = await countCosigners(cp, witnesses);
      const counts = { n: names.length, of: witnesses.length, q: policy.quorum };
      if (names.length < policy.quorum) throw new Error(t('v.err.witq', counts));
      cosigned = t('v.ok.wit', counts);
      return t('v.wit.d', { ...counts, names: names.join(', ') });
    });
    await step(5, async () => {
      if (BigInt(seq) >= cp.size) throw new Error(t('v.err.notyet', { seq, size: fmtInt(cp.size) }));
      const r = await api(`/v1/proof/inclusion${query({ seq, size: cp.size })}`, { signed: false });
      try { proof = r.proof.map((p) => { const b = b64decode(p); if (b.length !== 32) throw new Error('hash length'); return b; }); } catch (e) {
        throw new Error(t('v.err.proof', { why: e.message }));
      }
      return t('v.proof.d', { n: proof.length });
    }, { seq, size: fmtInt(cp.size) });
    await step(6, async () => {
      let root;
      try { root = await rootFromInclusion(seq, cp.size, leaf, proof); } catch (e) { throw new Error(t('v.err.proof', { why: e.message })); }
      if (!equalBytes(root, cp.root)) throw new Error(t('v.err.root', { got: b64encode(root), want: b64encode(cp.root) }));
      return t('v.root.d', { root: b64encode(root) });
    });
    await step(7, async () => {
      const memKey = `vigil.checkpoint.${vk.text}`;
      let prev = null;
      try { prev = JSON.parse(localStorage.getItem(memKey) || 'null'); } catch { prev = null; }
      let detail;
      if (!prev) {
        detail = t('v.cons.first', { size: fmtInt(cp.size) });
      } else {
        const from = BigInt(prev.size);
        const prevRoot = b64decode(prev.root);
        if (from > cp.size) throw new Error(t('v.err.rollback', { from: fmtInt(from), to: fmtInt(cp.size) }));
        if (from === cp.size) {
          if (!equalBytes(prevRoot, cp.root)) throw new Error(t('v.err.fork', { from: fmtInt(from) }));
          detail = t('v.cons.same', { size: fmtInt(from) });
        } else {
          const r = await api(`/v1/proof/consistency${query({ from, to: cp.size })}`, { signed: false });
          const hashes = r.proof.map((p) => b64decode(p));
          if (!(await verifyConsistency(from, cp.size, prevRoot, cp.root, hashes))) {
            throw new Error(t('v.err.fork', { from: fmtInt(from) }));
          }
          detail = t('v.cons.grow', { from: fmtInt(from), to: fmtInt(cp.size) });
        }
      }
      localStorage.setItem(memKey, JSON.stringify({ size: cp.size.toString(), root: b64encode(cp.root) }));
      return detail;
    });
    return { ok: true, size: cp.size, cosigned };
  } catch (e) {
    return { ok: false, why: e.message, step: current + 1 };
  }
}

// ---------------------------------------------------------------------------------------------
// Texts of other modules, records, and the view registry

// Adds a module's texts: {key: ['Vietnamese', 'English']}. A key already defined is a bug.
function addTexts(pairs) {
  for (const [key, [vi, en]] of Object.entries(pairs)) {
    if (key in TEXT.vi) throw new Error(`text ${key} defined twice`);
    TEXT.vi[key] = vi;
    TEXT.en[key] = en;
  }
}

// Compact JSON with object keys sorted, as nlohmann::json::dump() writes what `vigil submit`
// signs: the same payload gives the same bytes from the page and from the command.
function canonicalJson(v) {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

// Signs a record payload (an object) as `vigil submit` does: Ed25519 over
// "vigil/v2/entry\n" + origin + "\n" + the payload's canonical JSON (keys/key.h
// SignContext::kEntry). Returns the append body {signer, payload, sig}; `payload` is the exact
// string signed.
async function signRecord(payload) {
  if (!state.log) state.log = await api('/v1/log', { signed: false });
  const text = canonicalJson(payload);
  const msg = concat(enc.encode(`vigil/v2/entry\n${state.log.origin}\n`), enc.encode(text));
  const sig = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, state.key.privateKey, msg));
  return { signer: state.key.keyId, payload: text, sig: b64encode(sig) };
}

// POSTs JSON `body` to `path` (no request signature: appends are signed in their payload).
// Returns {status, body} for any answer the server gave, so a caller can show a refusal's
// rules; throws ApiError(0, …) when the server cannot be reached.
async function postJson(path, body) {
  let res;
  try {
    res = await fetch(new URL(path, location.origin), {
      method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' },
      cache: 'no-store', credentials: 'omit', redirect: 'error',
    });
  } catch (e) {
    throw new ApiError(0, e.message);
  }
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, body: json ?? { detail: text.slice(0, 300) } };
}

// Views other modules add: registerView(/^\/path$/, async (match, params) => {...}). The
// router (app.js) tries them in order before its own views. registerNav adds a link to the
// header for the roles listed (['business'], or null for every signed-in role).
const views = [];
function registerView(pattern, render) {
  views.push({ pattern, render });
}
const navItems = [];
function registerNav(href, textKey, roles = null) {
  navItems.push({ href, textKey, roles });
}

// Sign-in hooks other modules add (field.js): {signedIn(me, offline), offline(keyId) → a
// remembered GET /v1/me answer or null, signedOut()}. app.js calls them; a sign-in with no
// network uses the first remembered identity for the key id (state.offlineSignIn is then true).
const signInHooks = [];
function registerSignIn(hooks) {
  signInHooks.push(hooks);
}

export {
  TEXT, TYPES, LICENCES, FIELDS, state, t, pick, typeName, licenceName, fieldName, locale, h,
  append, SVG, s, main, isCurrent, show, table, notice, badge, link, entryLink, partyLink, TZ,
  DAY, fmtTime, fmtDate, fmtInt, fmtDecimal, unitOf, fmtAmount, toMicro, substanceById,
  substanceName, roleName, placeName, enc, b64encode, b64decode, hex, concat, sha256, equalBytes,
  hashLeaf, hashNode, importKeyFile, signatureHeaders, ApiError, query, api, catalog, allPages, KEY_ED25519, KEY_COSIGNATURE,
  parseVerifierKey, pinned, setPin, witnessPolicy, setWitnessPolicy, countCosigners,
  rootFromInclusion, verifyConsistency, parseCheckpoint, verifyEntry, beginRoute, currentRoute, addTexts,
  canonicalJson, signRecord, postJson, views, registerView, navItems, registerNav, signInHooks, registerSignIn,
};
