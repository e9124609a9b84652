// Vigil audit explorer (docs/explorer.md). Plain JavaScript, no framework, no external files.
//
// - Sign-in: the user's own key file is read in the browser and imported into WebCrypto as a
//   non-extractable Ed25519 key held in memory only; requests are signed exactly as the vigil
//   command signs them (docs/api.md "Signing requests", api/request_signature.cc).
// - Verify: an entry's leaf hash, its inclusion proof and the checkpoint signature are all
//   recomputed here with WebCrypto against a verifier key pinned in this browser; nothing the
//   server says about validity is trusted.
// - Vietnamese by default, English on request; every text goes through t().
'use strict';

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
// Header, language, sign-in

function applyStaticTexts() {
  document.documentElement.lang = state.lang;
  document.title = `Vigil – ${t('app.title')}`;
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  document.getElementById('lang').textContent = state.lang === 'vi' ? 'English' : 'Tiếng Việt';
  const who = document.getElementById('who');
  who.replaceChildren();
  document.getElementById('nav').hidden = !state.me;
  if (state.me) {
    const name = state.me.record?.legal_name || state.me.participant;
    append(who, [
      h('span', { id: 'who-name', title: t('who.key', { key: state.me.key }) }, t('who.as', { name }), ' · ', roleName(state.me.role)),
      h('button', { type: 'button', id: 'signout', onclick: signOut }, t('who.out')),
    ]);
  }
  const line = document.getElementById('logline');
  line.textContent = state.log ? t('log.line', { origin: state.log.origin, size: fmtInt(state.log.size), place: placeName(state.log.jurisdiction) }) : 'Vigil';
  for (const a of document.querySelectorAll('#nav a')) {
    a.classList.toggle('active', location.hash.startsWith(a.getAttribute('href')));
  }
}

function signOut() {
  state.key = null;
  state.me = null;
  location.hash = '#/signin';
  route();
}

function viewSignIn(error) {
  const input = h('input', { type: 'file', id: 'keyfile', accept: '.key,.pub,text/plain', multiple: true, required: true });
  const pass = h('input', { type: 'password', id: 'passphrase', autocomplete: 'off' });
  const status = h('div', { id: 'signin-status' });
  if (error) append(status, [notice('error', error)]);
  const form = h('form', {
    class: 'card narrow', id: 'signin',
    onsubmit: async (ev) => {
      ev.preventDefault();
      if (!input.files.length) return;
      status.replaceChildren(h('p', { class: 'spinner' }, t('signin.checking')));
      // The passphrase as bytes that are wiped; the field is emptied (its string cannot be).
      const passBytes = enc.encode(pass.value);
      pass.value = '';
      try {
        state.key = await importKeyFile(input.files, passBytes,
          () => status.replaceChildren(h('p', { class: 'spinner' }, t('signin.deriving'))));
        passBytes.fill(0);
        status.replaceChildren(h('p', { class: 'spinner' }, t('signin.checking')));
        input.value = '';
        state.me = await api('/v1/me');
        await afterSignIn();
        // Back to the view that asked for the sign-in (a reload keeps the address), else home.
        const wanted = /^#\/(p|entry|alerts|trust|search)\b/.test(location.hash) && !(state.me.role === 'business' && location.hash.startsWith('#/search'));
        if (!wanted) location.hash = state.me.role === 'business' ? `#/p/${encodeURIComponent(state.me.participant)}` : '#/search';
        route();
      } catch (e) {
        passBytes.fill(0);
        state.key = null;
        state.me = null;
        const msg = e instanceof ApiError && e.status ? `${t('signin.refused')}: ${e.detail}` : e.message;
        status.replaceChildren(notice('error', msg));
      }
    },
  },
  h('h1', {}, t('signin.title')),
  h('p', {}, t('signin.intro')),
  h('label', { for: 'keyfile' }, t('signin.file')), input,
  h('label', { for: 'passphrase' }, t('signin.passphrase')), pass,
  h('p', { class: 'small muted' }, t('signin.reload')),
  h('p', {}, h('button', { type: 'submit', id: 'signin-button' }, t('signin.button'))),
  status);
  show(form);
}

async function afterSignIn() {
  state.log = await api('/v1/log', { signed: false });
  await catalog();
  // First use: pin the server's key, clearly labelled as not independently compared.
  if (!pinned()) setPin(state.log.verifier_key, 'first-use');
}

function trustBanners() {
  const pin = pinned();
  const out = [];
  if (pin && state.log && pin.key !== state.log.verifier_key) out.push(notice('error', t('trust.mismatch'), ' ', link('#/trust', t('nav.trust'))));
  else if (pin && pin.source === 'first-use') out.push(notice('warn', t('trust.banner'), ' ', link('#/trust', t('nav.trust'))));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Views

const norm = (x) => String(x || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase();

function participantItem(p) {
  const lic = (p.licences || []).map((l) => l.number).join(', ');
  const venues = (p.venues || []).map((v) => v.name || v.id).join(', ');
  return h('li', {},
    h('div', { class: 'result-title' }, link(`#/p/${encodeURIComponent(p.participant)}`, p.legal_name || p.participant), ' ',
      badge(roleName(p.role)), p.revoked ? [' ', badge(t('p.revoked', { seq: p.revoked_seq ?? '' }), 'bad')] : null),
    h('div', { class: 'small muted' }, [p.participant, p.tax_code && `${t('p.tax')} ${p.tax_code}`, placeName(p.jurisdiction)].filter(Boolean).join(' · ')),
    lic ? h('div', { class: 'small' }, `${t('p.licences')}: ${lic}`) : null,
    venues ? h('div', { class: 'small' }, `${t('p.venues')}: ${venues}`) : null);
}

async function viewSearch(params) {
  const text = params.get('q') || '';
  const input = h('input', { type: 'search', id: 'q', name: 'q', value: text, placeholder: t('search.placeholder'), autocomplete: 'off' });
  const results = h('div', { id: 'results' });
  const form = h('form', {
    class: 'card', id: 'search', role: 'search',
    onsubmit: (ev) => { ev.preventDefault(); location.hash = `#/search${query({ q: input.value.trim() })}`; },
  }, h('label', { for: 'q' }, t('search.label')),
  h('div', { class: 'row' }, h('div', { class: 'grow' }, input), h('button', { type: 'submit', id: 'search-button' }, t('search.button'))));
  show(h('h1', {}, t('search.title')), ...trustBanners(), form, results);
  if (state.me.role === 'business') {
    append(results, [notice('info', t('search.business'), ' ', link(`#/p/${encodeURIComponent(state.me.participant)}`, t('search.mine')))]);
    return;
  }
  if (text.length < 2) {
    if (text.length === 0) {
      results.replaceChildren(h('p', { class: 'spinner' }, t('loading')));
      const all = await api(`/v1/participants${query({ limit: 100 })}`);
      results.replaceChildren(h('section', { class: 'card' }, h('h2', {}, t('search.all')),
        all.items.length ? h('ul', { class: 'results' }, all.items.map(participantItem)) : h('p', {}, t('search.nobody'))));
    } else {
      results.replaceChildren(h('p', { class: 'muted' }, t('search.hint')));
    }
    return;
  }
  results.replaceChildren(h('p', { class: 'spinner' }, t('loading')));
  const needle = norm(text);
  const subs = (await catalog()).substances.filter((x) =>
    [x.id, x.name_en, x.name_vi, ...(x.cas || []), ...(x.synonyms || [])].some((v) => v && norm(v).includes(needle))).slice(0, 6);
  const [people, holders] = await Promise.all([
    api(`/v1/participants${query({ q: text, limit: 100 })}`),
    Promise.all(subs.map((x) => api(`/v1/participants${query({ substance: x.id, limit: 100 })}`))),
  ]);
  const out = [];
  if (people.items.length) {
    out.push(h('section', { class: 'card', id: 'participant-results' }, h('h2', {}, t('search.participants')),
      h('ul', { class: 'results' }, people.items.map(participantItem))));
  }
  if (subs.length) {
    out.push(h('section', { class: 'card', id: 'substance-results' }, h('h2', {}, t('search.substances')),
      subs.map((x, i) => h('div', {},
        h('h3', {}, substanceName(x.id), ' ', h('span', { class: 'muted small' }, [`CAS ${(x.cas || [x.id]).join(', ')}`, x.table && `· ${state.lang === 'vi' ? 'Bảng' : 'Table'} ${x.table}`, x.name_vi && state.lang === 'vi' ? `· ${x.name_en}` : ''].filter(Boolean).join(' '))),
        h('div', { class: 'small muted' }, t('search.holders')),
        holders[i].items.length ? h('ul', { class: 'results' }, holders[i].items.map(participantItem)) : h('p', { class: 'muted' }, t('search.nobody'))))));
  }
  if (!out.length) out.push(h('p', {}, t('search.none')));
  results.replaceChildren(...out);
}

function licenceRows(p) {
  const now = Date.now();
  return (p.licences || []).map((l) => {
    const exp = Date.parse(`${l.expires}T00:00:00Z`);
    const flag = exp < now ? badge(t('lic.expired'), 'bad') : exp - now < 30 * 86400e3 ? badge(t('lic.soon'), 'warn') : null;
    return [licenceName(l.kind), h('span', { class: 'mono' }, l.number), fmtDate(l.issued), [fmtDate(l.expires), flag ? [' ', flag] : null],
      (l.substances || []).map(substanceName).join(', ') || l.venue || ''];
  });
}

// Stock after each change, as a step chart over the record time (`at`) of those entries.
function stockChart(history, atBySeq, substanceId, width) {
  const pts = [];
  let lastX = -Infinity;
  for (const hpt of history) {
    const at = atBySeq.get(hpt.seq);
    let x = at ? Date.parse(at) : NaN;
    if (Number.isNaN(x)) x = lastX === -Infinity ? 0 : lastX;
    x = Math.max(x, lastX); // keep the log's order
    lastX = x;
    pts.push({ x, y: Number(hpt.amount), seq: hpt.seq, at });
  }
  if (!pts.length) return h('p', { class: 'muted' }, t('p.nostock'));
  // Drawn at the box's own width, so its text keeps its size on a phone.
  const W = Math.round(Math.max(300, Math.min(1000, width || 640))), H = 200, L = 70, R = 14, T = 14, B = 30;
  const x0 = pts[0].x, x1 = Math.max(pts[pts.length - 1].x, x0 + 1);
  const yMax = Math.max(...pts.map((p) => p.y), 1);
  const X = (x) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const Y = (y) => T + (1 - y / yMax) * (H - T - B);
  let d = `M${X(pts[0].x).toFixed(1)},${Y(0).toFixed(1)} L${X(pts[0].x).toFixed(1)},${Y(pts[0].y).toFixed(1)}`;
  for (let i = 1; i < pts.length; i++) d += ` L${X(pts[i].x).toFixed(1)},${Y(pts[i - 1].y).toFixed(1)} L${X(pts[i].x).toFixed(1)},${Y(pts[i].y).toFixed(1)}`;
  const area = `${d} L${X(pts[pts.length - 1].x).toFixed(1)},${Y(0).toFixed(1)} Z`;
  return s('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': t('p.stockchart', { name: substanceName(substanceId) }) },
    s('line', { class: 'axis', x1: L, y1: Y(0), x2: W - R, y2: Y(0) }),
    s('line', { class: 'axis', x1: L, y1: T, x2: L, y2: Y(0) }),
    s('text', { x: L - 6, y: T + 4, 'text-anchor': 'end' }, fmtAmount(yMax, substanceId)),
    s('text', { x: L - 6, y: Y(0), 'text-anchor': 'end' }, '0'),
    s('text', { x: L, y: H - 8 }, pts[0].at ? fmtDate(pts[0].at) : ''),
    s('text', { x: W - R, y: H - 8, 'text-anchor': 'end' }, pts[pts.length - 1].at ? fmtDate(pts[pts.length - 1].at) : ''),
    s('path', { class: 'area', d: area }),
    s('path', { class: 'line', d }),
    pts.map((p) => s('circle', { class: 'pt', cx: X(p.x).toFixed(1), cy: Y(p.y).toFixed(1), r: 4, onclick: () => { location.hash = `#/entry/${p.seq}`; } },
      s('title', {}, `#${p.seq} · ${fmtTime(p.at)} · ${fmtAmount(p.y, substanceId)}`))));
}

// One line of words for a trail entry.
function entrySummary(payload, self) {
  const bits = [];
  const by = self && payload.actor && payload.actor !== self ? `${payload.actor}: ` : '';
  if (payload.substance) bits.push(substanceName(payload.substance));
  if (payload.quantity) bits.push(`${fmtDecimal(payload.quantity)} ${payload.unit || ''}`.trim());
  if (payload.counterparty) bits.push(`↔ ${payload.counterparty}`);
  if (payload.party?.name) bits.push(`↔ ${payload.party.name}`);
  if (payload.venue) bits.push(payload.venue);
  if (payload.legal_name) bits.push(payload.legal_name);
  if (payload.reason) bits.push(payload.reason);
  return by + bits.join(' · ');
}

const IN_TYPES = ['chem.purchase', 'chem.receipt'];
const OUT_TYPES = ['chem.sale', 'chem.dispatch'];
const USED_TYPES = ['chem.use', 'chem.dispose', 'chem.loss'];
// Quantities by substance for one year of the trail, as recorded (gross, in kg or L).
function yearSummary(trail, actor, year) {
  const rows = new Map();
  for (const e of trail) {
    const p = e.payload;
    if (!p || p.actor !== actor || !p.substance || !String(p.at || '').startsWith(String(year))) continue;
    const kind = IN_TYPES.includes(p.type) ? 'in' : OUT_TYPES.includes(p.type) ? 'out' : USED_TYPES.includes(p.type) ? 'used' : null;
    if (!kind) continue;
    const q = toMicro(p.quantity, p.unit);
    if (q === null) continue;
    const r = rows.get(p.substance) || { in: 0n, out: 0n, used: 0n, n: 0 };
    r[kind] += q;
    r.n += 1;
    rows.set(p.substance, r);
  }
  return rows;
}

async function viewParticipant(id) {
  const seq = routeSeq;
  show(h('p', { class: 'spinner' }, t('loading')));
  await catalog();
  const enc1 = encodeURIComponent(id);
  const [p, stock, transfers, inspections, alerts, trail] = await Promise.all([
    api(`/v1/participants/${enc1}`),
    api(`/v1/participants/${enc1}/stock`),
    allPages('/v1/transfers', { participant: id }, 500),
    allPages('/v1/inspections', { business: id }, 500),
    allPages('/v1/alerts', { participant: id }, 500),
    allPages(`/v1/participants/${enc1}/trail`, {}, 2000),
  ]);
  for (const e of trail.items) {
    try { e.decoded = JSON.parse(e.entry); e.payload = JSON.parse(e.decoded.payload); } catch { e.payload = null; }
  }
  const atBySeq = new Map(trail.items.map((e) => [e.seq, e.payload?.at]));

  const facts = h('dl', { class: 'facts' },
    h('dt', {}, t('p.id')), h('dd', { class: 'mono' }, p.participant),
    h('dt', {}, t('p.role')), h('dd', {}, roleName(p.role)),
    p.tax_code ? [h('dt', {}, t('p.tax')), h('dd', {}, p.tax_code)] : null,
    p.address ? [h('dt', {}, t('p.address')), h('dd', {}, p.address)] : null,
    h('dt', {}, t('p.jurisdiction')), h('dd', {}, placeName(p.jurisdiction)),
    h('dt', {}, t('p.status')), h('dd', {}, p.revoked ? badge(t('p.revoked', { seq: p.revoked_seq }), 'bad') : badge(t('p.active'), 'ok')),
    h('dt', {}, t('p.registered')), h('dd', {}, entryLink(p.registered_seq)),
    h('dt', {}, t('p.keys')), h('dd', { class: 'mono' }, (p.keys || []).join(', ')));

  // Stock and its chart.
  const chartBox = h('div', { id: 'stock-chart' });
  const drawChart = async (sub) => {
    chartBox.replaceChildren(h('p', { class: 'spinner' }, t('loading')));
    const r = await api(`/v1/participants/${enc1}/stock${query({ substance: sub })}`);
    chartBox.replaceChildren(h('h3', {}, t('p.stockchart', { name: substanceName(sub) })), stockChart(r.history, atBySeq, sub, chartBox.clientWidth));
  };
  const stockSel = h('select', { id: 'stock-substance', onchange: (ev) => drawChart(ev.target.value) },
    stock.map((x) => h('option', { value: x.substance }, substanceName(x.substance))));
  const stockSection = h('section', { class: 'card', id: 'stock' }, h('h2', {}, t('p.stock')),
    stock.length ? [
      table([t('col.substance'), 'CAS', t('col.quantity')],
        stock.map((x) => [substanceName(x.substance), h('span', { class: 'mono' }, x.substance), fmtAmount(x.amount, x.substance, x.unit)]), ['', '', 'num']),
      h('label', { for: 'stock-substance' }, t('col.substance')), stockSel, chartBox,
    ] : h('p', { class: 'muted' }, t('p.nostock')));

  // The year's movements.
  const years = [...new Set(trail.items.map((e) => String(e.payload?.at || '').slice(0, 4)).filter((y) => /^\d{4}$/.test(y)))].sort().reverse();
  const summaryBox = h('div', { id: 'year-summary' });
  const drawSummary = (year) => {
    const rows = [...yearSummary(trail.items, id, year)];
    summaryBox.replaceChildren(rows.length ? table([t('col.substance'), `${t('col.in')} (${t('sum.in')})`, `${t('col.out')} (${t('sum.out')})`, t('sum.used'), t('col.count')],
      rows.map(([sub, r]) => [substanceName(sub), fmtAmount(r.in, sub), fmtAmount(r.out, sub), fmtAmount(r.used, sub), fmtInt(r.n)]), ['', 'num', 'num', 'num', 'num'])
      : h('p', { class: 'muted' }, t('p.none')));
  };
  const yearSel = h('select', { id: 'year', onchange: (ev) => drawSummary(ev.target.value) }, years.map((y) => h('option', { value: y }, y)));
  const summarySection = p.role === 'business' ? h('section', { class: 'card', id: 'summary' }, h('h2', {}, t('p.summary')),
    years.length ? [h('label', { for: 'year' }, t('p.year')), yearSel, summaryBox] : h('p', { class: 'muted' }, t('p.none'))) : null;

  const transferRows = transfers.items.map((x) => {
    const st = x.overdue ? 'overdue' : x.status;
    return [h('span', { class: 'mono' }, x.transfer_id), substanceName(x.substance), fmtAmount(x.amount, x.substance),
      partyLink(x.from), partyLink(x.to), [entryLink(x.dispatched_seq), ' ', fmtTime(x.dispatched_at)], fmtTime(x.due),
      x.received_seq !== undefined ? [entryLink(x.received_seq), ' ', fmtAmount(x.received_amount, x.substance)] : '',
      badge(t(`tr.${st}`), st === 'received' ? 'ok' : st === 'open' ? '' : 'bad')];
  });
  const inspectionRows = inspections.items.map((x) => [entryLink(x.seq), fmtTime(x.at), typeName(x.type), x.venue || '', partyLink(x.inspector),
    [x.violations ? badge(t('insp.violations', { n: x.violations }), 'bad') : badge(t('insp.violations', { n: 0 }), 'ok'),
      x.drug_tests ? [' ', t('insp.drugs', { pos: x.drug_tests.positive, tested: x.drug_tests.tested })] : null],
    badge(t(`insp.${x.status}`), x.status === 'countersigned' ? 'ok' : x.status === 'objected' ? 'bad' : 'warn')]);

  // The trail, filterable by type.
  const trailBox = h('div', { id: 'trail-table' });
  const types = [...new Set(trail.items.map((e) => e.type))];
  const drawTrail = (type) => {
    const items = trail.items.filter((e) => !type || e.type === type).slice().reverse();
    trailBox.replaceChildren(table([t('col.seq'), t('col.type'), t('col.at'), t('col.what')],
      items.map((e) => [entryLink(e.seq), typeName(e.type), fmtTime(e.payload?.at), e.payload ? entrySummary(e.payload, id) : ''])));
  };
  const typeSel = h('select', { id: 'trail-type', onchange: (ev) => drawTrail(ev.target.value) },
    h('option', { value: '' }, t('p.alltypes')), types.map((x) => h('option', { value: x }, typeName(x))));

  if (!isCurrent(seq)) return;
  show(
    h('h1', {}, p.legal_name || p.participant),
    ...trustBanners(),
    h('section', { class: 'card', id: 'facts' }, facts),
    (p.licences || []).length ? h('section', { class: 'card', id: 'licences' }, h('h2', {}, t('p.licences')),
      table([t('lic.kind'), t('lic.number'), t('lic.issued'), t('lic.expires'), `${t('lic.substances')} / ${t('lic.venue')}`], licenceRows(p))) : null,
    (p.venues || []).length ? h('section', { class: 'card', id: 'venues' }, h('h2', {}, t('p.venues')),
      h('ul', {}, p.venues.map((v) => h('li', {}, `${v.name || v.id} (${licenceName(v.kind)})`, v.hours ? ` · ${v.hours.open}–${v.hours.close}` : '')))) : null,
    p.role === 'business' ? stockSection : null,
    summarySection,
    h('section', { class: 'card', id: 'transfers' }, h('h2', {}, t('p.transfers')),
      transferRows.length ? table([t('col.transfer'), t('col.substance'), t('col.quantity'), t('col.from'), t('col.to'), t('col.at'), t('col.due'), t('col.received'), t('col.status')], transferRows, ['', '', 'num'])
        : h('p', { class: 'muted' }, t('p.none'))),
    h('section', { class: 'card', id: 'inspections' }, h('h2', {}, t('p.inspections')),
      inspectionRows.length ? table([t('col.seq'), t('col.at'), t('col.type'), t('col.venue'), t('col.inspector'), t('col.result'), t('col.status')], inspectionRows)
        : h('p', { class: 'muted' }, t('p.none'))),
    h('section', { class: 'card', id: 'participant-alerts' }, h('h2', {}, t('p.alerts')), alertList(alerts.items)),
    h('section', { class: 'card', id: 'trail' }, h('h2', {}, t('p.trail')),
      h('label', { for: 'trail-type' }, t('p.type')), typeSel, trailBox,
      trail.more ? h('p', { class: 'small muted' }, '…') : null),
  );
  drawTrail('');
  if (years.length) drawSummary(years[0]);
  if (stock.length) await drawChart(stock[0].substance);
}

function alertText(a) {
  const sub = a.substance;
  const amt = (v) => (v === undefined ? '?' : fmtAmount(v, sub));
  const key = `am.${a.kind}`;
  if (!TEXT.vi[key]) return a.message || a.kind;
  return t(key, {
    amount: amt(a.amount), total: amt(a.total), limit: amt(a.limit), average: amt(a.average), received: amt(a.received),
    dispatched: amt(a.dispatched), counted: amt(a.counted), ledger: amt(a.ledger), substance: substanceName(sub),
    counterparty: a.counterparty ?? '', transfer: a.transfer_id ?? '', days: a.window_days ?? '', end: a.window_end ?? '',
    in_transit: amt(a.in_transit), buyer: a.buyer ?? '', record_at: fmtTime(a.record_at), days_late: a.days_late ?? '',
    venue: a.venue ?? '', violations: a.violations ?? 0, positive: a.positive ?? 0, count: a.count ?? '', licence: a.licence ?? '',
    items: (a.items || []).join(', '), target: a.target_type ?? '', target_seq: a.target_seq ?? '',
  });
}

function alertList(items) {
  if (!items.length) return h('p', { class: 'muted' }, t('p.none'));
  return h('ul', { class: 'results alerts' }, items.map((a) => h('li', {},
    badge(t(`alert.${a.kind}`) === `alert.${a.kind}` ? a.kind : t(`alert.${a.kind}`), 'bad'),
    h('span', {}, alertText(a)),
    h('span', { class: 'small muted' }, partyLink(a.participant), ' · ', placeName(a.jurisdiction), ' · ', fmtTime(a.at), ' · ', entryLink(a.seq)))));
}

async function viewAlerts(params) {
  await catalog();
  const kinds = ['threshold_single', 'threshold_window', 'outside_buyer_window', 'unusual_size', 'receipt_short', 'receipt_overdue',
    'loss_reported', 'late_entry', 'count_mismatch', 'venue_violation', 'repeat_violation', 'licence_expiring', 'critical_item',
    'self_void'];
  const f = Object.fromEntries(['kind', 'from', 'to', 'province', 'commune'].map((k) => [k, params.get(k) || '']));
  const kindSel = h('select', { id: 'alert-kind', name: 'kind' }, h('option', { value: '' }, t('alerts.all')),
    kinds.map((k) => h('option', { value: k, selected: f.kind === k }, t(`alert.${k}`))));
  const from = h('input', { type: 'date', id: 'alert-from', value: f.from });
  const to = h('input', { type: 'date', id: 'alert-to', value: f.to });
  const province = h('input', { type: 'text', id: 'alert-province', value: f.province });
  const commune = h('input', { type: 'text', id: 'alert-commune', value: f.commune });
  const list = h('div', { id: 'alert-list' }, h('p', { class: 'spinner' }, t('loading')));
  const form = h('form', {
    class: 'card', id: 'alert-filter',
    onsubmit: (ev) => {
      ev.preventDefault();
      location.hash = `#/alerts${query({ kind: kindSel.value, from: from.value, to: to.value, province: province.value.trim(), commune: commune.value.trim() })}`;
    },
  }, h('div', { class: 'row' },
    h('div', {}, h('label', { for: 'alert-kind' }, t('alerts.kind')), kindSel),
    h('div', {}, h('label', { for: 'alert-from' }, t('alerts.from')), from),
    h('div', {}, h('label', { for: 'alert-to' }, t('alerts.to')), to),
    h('div', {}, h('label', { for: 'alert-province' }, t('alerts.province')), province),
    h('div', {}, h('label', { for: 'alert-commune' }, t('alerts.commune')), commune),
    h('div', {}, h('button', { type: 'submit' }, t('alerts.show')))));
  show(h('h1', {}, t('alerts.title')), ...trustBanners(), form, list);
  // Dates are days in Vietnam time (UTC+7).
  const day = (d, plus) => (d ? new Date(Date.parse(`${d}T00:00:00+07:00`) + (plus ? 86400e3 : 0)).toISOString() : '');
  const shown = [];
  let next = '';
  const load = async () => {
    const page = await api(`/v1/alerts${query({ kind: f.kind, from: day(f.from), to: day(f.to, true), province: f.province, commune: f.commune, limit: 100, after: next })}`);
    shown.push(...page.items);
    next = page.next || '';
    const byKind = new Map();
    for (const a of shown) byKind.set(a.kind, (byKind.get(a.kind) || 0) + 1);
    list.replaceChildren(
      h('div', { class: 'card' },
        h('p', { class: 'small muted' }, t('alerts.count', { n: fmtInt(shown.length) })),
        h('div', { class: 'tabs' }, [...byKind].map(([k, n]) => link(`#/alerts${query({ ...f, kind: k })}`, `${t(`alert.${k}`)}: ${fmtInt(n)}`))),
        alertList(shown),
        next ? h('p', {}, h('button', { type: 'button', class: 'secondary', onclick: load }, t('p.more'))) : null));
  };
  await load();
}

// The fields people look for first; the rest follow in the record's order.
const FIRST_FIELDS = ['type', 'at', 'actor', 'substance', 'quantity', 'concentration', 'counterparty', 'transfer_id', 'party',
  'participant', 'legal_name', 'business', 'venue', 'kind', 'purpose', 'product', 'lot', 'packaging', 'transport', 'documents'];
function renderPayload(p) {
  const keys = [...FIRST_FIELDS.filter((k) => k in p), ...Object.keys(p).filter((k) => !FIRST_FIELDS.includes(k))];
  return h('dl', { class: 'facts' }, keys.filter((k) => !(k === 'unit' && 'quantity' in p)).map((k) => [
    h('dt', {}, fieldName(k)),
    h('dd', {}, k === 'quantity' && p.unit ? `${fmtDecimal(p.quantity)} ${p.unit}` : renderValue(k, p[k]))]));
}

// A payload value as readable elements.
function renderValue(key, v) {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x !== 'object' || x === null)) {
      return v.map((x) => (key === 'substances' ? substanceName(x) : String(x))).join(', ');
    }
    return v.map((x) => h('div', { class: 'item' }, renderValue(key, x)));
  }
  if (typeof v === 'object') {
    return h('dl', { class: 'facts' }, Object.entries(v).map(([k, x]) => [h('dt', {}, fieldName(k)), h('dd', {}, renderValue(k, x))]));
  }
  if (key === 'substance') return [substanceName(v), ' ', h('span', { class: 'mono muted' }, `(${v})`)];
  if (key === 'quantity') return fmtDecimal(v);
  if (key === 'type') return `${typeName(v)} (${v})`;
  if (key === 'kind' && LICENCES[v]) return licenceName(v);
  if (key === 'role') return roleName(v);
  if (['at', 'started_at', 'ended_at', 'discovered_at'].includes(key)) return fmtTime(v);
  if (['issued', 'expires'].includes(key)) return fmtDate(v);
  if (['actor', 'participant', 'counterparty', 'business', 'witness'].includes(key) && typeof v === 'string') return partyLink(v);
  if (['target_seq', 'inspection_seq'].includes(key)) return entryLink(v);
  if (key === 'sha256' || key === 'personal_commitment') return h('span', { class: 'mono' }, v);
  if (typeof v === 'boolean') return v ? t('yes') : t('no');
  return typeof v === 'number' ? fmtInt(v) : String(v);
}

async function viewEntry(seq) {
  const drawing = routeSeq;
  show(h('p', { class: 'spinner' }, t('loading')));
  await catalog();
  const r = await api(`/v1/entries/${seq}`);
  const e = JSON.parse(r.entry);
  let payload = null;
  try { payload = JSON.parse(e.payload); } catch { payload = null; }
  const pin = pinned();
  const steps = ['v.fetch', 'v.leaf', 'v.cp', 'v.sig', 'v.wit', 'v.proof', 'v.root', 'v.cons'];
  const verifyBox = h('div', { id: 'verify-result' });
  const button = h('button', {
    type: 'button', id: 'verify-button',
    onclick: async () => {
      button.disabled = true;
      const items = steps.map((k) => h('li', { class: 'todo' }, h('span', { class: 'mark' }, '·'), h('span', {}, t(k, { seq, size: '…' })), h('span', { class: 'detail' })));
      const verdict = h('div', { id: 'verdict' });
      verifyBox.replaceChildren(h('ol', { class: 'steps', id: 'verify-steps' }, items), verdict);
      const out = await verifyEntry(Number(seq), (i, status, detail, label) => {
        const li = items[i];
        li.className = status;
        li.dataset.status = status;
        li.querySelector('.mark').textContent = status === 'ok' ? '✔' : status === 'bad' ? '✘' : '…';
        li.querySelector('.detail').textContent = detail;
        li.children[1].textContent = t(steps[i], { seq, size: '…', ...label });
      });
      verdict.className = `verdict ${out.ok ? 'ok' : 'bad'}`;
      verdict.dataset.verdict = out.ok ? 'ok' : 'bad';
      verdict.setAttribute('role', 'status');
      verdict.textContent = out.ok ? t('v.ok', { seq, size: fmtInt(out.size) }) + out.cosigned
        : t('v.bad', { why: out.step > 0 ? `${t('v.step', { n: out.step })}: ${out.why}` : out.why });
      button.disabled = false;
    },
  }, t('e.verify'));
  const n = Number(seq);
  if (!isCurrent(drawing)) return;
  show(
    h('h1', {}, t('e.title', { seq }), payload ? [' ', badge(typeName(payload.type))] : null),
    ...trustBanners(),
    h('p', { class: 'small' }, n > 0 ? link(`#/entry/${n - 1}`, `← ${t('e.prev')}`) : null, n > 0 ? ' · ' : null, link(`#/entry/${n + 1}`, `${t('e.next')} →`)),
    h('section', { class: 'card', id: 'verify' }, h('h2', {}, t('e.verify')),
      h('p', { class: 'small muted' }, t('e.verifyintro', { source: pin ? t(`trust.src.${pin.source}`) : t('v.err.nokey') })),
      button, verifyBox),
    h('section', { class: 'card', id: 'entry-facts' },
      h('dl', { class: 'facts' },
        h('dt', {}, t('e.type')), h('dd', {}, payload ? typeName(payload.type) : ''),
        h('dt', {}, t('e.at')), h('dd', {}, payload ? fmtTime(payload.at) : ''),
        h('dt', {}, t('e.ts')), h('dd', {}, fmtTime(e.ts)),
        h('dt', {}, t('e.actor')), h('dd', {}, payload ? partyLink(payload.actor) : ''),
        h('dt', {}, t('e.signer')), h('dd', { class: 'mono' }, e.signer))),
    payload ? h('section', { class: 'card', id: 'record' }, h('h2', {}, t('e.payload')), renderPayload(payload)) : null,
    h('details', { class: 'card' }, h('summary', {}, t('e.raw')), h('pre', { class: 'raw', id: 'raw-entry' }, r.entry)),
  );
}

async function viewTrust() {
  const drawing = routeSeq;
  if (!state.log) state.log = await api('/v1/log', { signed: false });
  const pin = pinned();
  const msg = h('div', { id: 'trust-msg' });
  const input = h('input', { type: 'text', id: 'vkey', class: 'mono', value: '', placeholder: 'name+01234567+AQ…', autocomplete: 'off' });
  const save = async (key, source) => {
    try {
      await parseVerifierKey(key);
      setPin(key.trim(), source);
      await viewTrust();
      document.getElementById('trust-msg').replaceChildren(notice('info', t('trust.saved')));
    } catch (e) {
      msg.replaceChildren(notice('error', t('trust.bad', { why: e.message })));
    }
  };
  if (!isCurrent(drawing)) return;
  show(h('h1', {}, t('trust.title')), ...trustBanners(), h('p', {}, t('trust.intro')),
    h('section', { class: 'card' },
      h('dl', { class: 'facts' },
        h('dt', {}, t('trust.pinned')), h('dd', { class: 'mono', id: 'pinned-key' }, pin ? pin.key : '—'),
        h('dt', {}, t('trust.source')), h('dd', {}, pin ? badge(t(`trust.src.${pin.source}`), pin.source === 'confirmed' ? 'ok' : 'warn') : '—'),
        h('dt', {}, t('trust.server')), h('dd', { class: 'mono' }, state.log.verifier_key, ' ',
          pin ? (pin.key === state.log.verifier_key ? badge(t('trust.same'), 'ok') : badge(t('trust.differs'), 'bad')) : null)),
      pin && pin.source !== 'confirmed' ? h('p', {}, h('button', { type: 'button', class: 'secondary', id: 'confirm-pin', onclick: () => save(pin.key, 'confirmed') }, t('trust.confirm'))) : null),
    h('form', { class: 'card', id: 'pin-form', onsubmit: (ev) => { ev.preventDefault(); save(input.value, 'confirmed'); } },
      h('label', { for: 'vkey' }, t('trust.enter')), input,
      h('p', {}, h('button', { type: 'submit', id: 'pin-button' }, t('trust.save')))),
    msg, witnessCard());
}

// The pinned witnesses, on the trust page: list, add, remove, quorum.
function witnessCard() {
  const policy = witnessPolicy();
  const msg = h('div', { id: 'witness-msg', role: 'status' });
  const redraw = (note) => {
    document.getElementById('witnesses').replaceWith(witnessCard());
    if (note) document.getElementById('witness-msg').replaceChildren(notice('info', note));
  };
  const input = h('input', { type: 'text', id: 'witness-vkey', class: 'mono', value: '', placeholder: 'witness.example/w1+01234567+BA…', autocomplete: 'off' });
  const quorum = h('input', { type: 'number', id: 'witness-quorum', min: '1', max: String(policy.keys.length), value: String(policy.quorum), disabled: !policy.keys.length });
  const add = async (ev) => {
    ev.preventDefault();
    const key = input.value.trim();
    try {
      await parseVerifierKey(key, KEY_COSIGNATURE);
    } catch (e) {
      msg.replaceChildren(notice('error', t('wit.bad', { why: e.message })));
      return;
    }
    const keys = policy.keys.includes(key) ? policy.keys : [...policy.keys, key];
    setWitnessPolicy(keys, policy.keys.length ? policy.quorum : 1);
    redraw(t('wit.saved'));
  };
  const remove = (key) => {
    const keys = policy.keys.filter((k) => k !== key);
    setWitnessPolicy(keys, Math.min(policy.quorum, keys.length));
    redraw(t('wit.saved'));
  };
  return h('section', { class: 'card', id: 'witnesses' }, h('h2', {}, t('wit.title')), h('p', {}, t('wit.intro')),
    policy.keys.length
      ? h('ul', { id: 'witness-list' }, policy.keys.map((k) => h('li', {}, h('span', { class: 'mono' }, k), ' ',
        h('button', { type: 'button', class: 'secondary', onclick: () => remove(k) }, t('wit.remove')))))
      : h('p', { class: 'muted', id: 'witness-list' }, t('wit.none')),
    h('form', { id: 'witness-form', onsubmit: add },
      h('label', { for: 'witness-vkey' }, t('wit.enter')), input,
      h('p', {}, h('button', { type: 'submit', id: 'witness-add' }, t('wit.add')))),
    h('form', { id: 'quorum-form', onsubmit: (ev) => { ev.preventDefault(); setWitnessPolicy(policy.keys, Math.min(Math.max(1, Number(quorum.value) || 1), policy.keys.length)); redraw(t('wit.saved')); } },
      h('label', { for: 'witness-quorum' }, t('wit.quorum')), quorum,
      h('p', {}, h('button', { type: 'submit', id: 'quorum-save', disabled: !policy.keys.length }, t('wit.quorum.save')))),
    msg);
}

// ---------------------------------------------------------------------------------------------
// Router

async function route() {
  const seq = ++routeSeq;
  applyStaticTexts();
  const hash = location.hash || '#/';
  const [path, qs] = hash.slice(1).split('?');
  const params = new URLSearchParams(qs || '');
  if (!state.key || !state.me) {
    viewSignIn();
    return;
  }
  // The footer's log size, kept current without holding up the view.
  api('/v1/log', { signed: false }).then((l) => {
    state.log = l;
    document.getElementById('logline').textContent = t('log.line', { origin: l.origin, size: fmtInt(l.size), place: placeName(l.jurisdiction) });
  }).catch(() => {});
  try {
    let m;
    if ((m = /^\/p\/(.+)$/.exec(path))) await viewParticipant(decodeURIComponent(m[1]));
    else if ((m = /^\/entry\/(\d{1,19})$/.exec(path))) await viewEntry(m[1]);
    else if (path === '/alerts') await viewAlerts(params);
    else if (path === '/trust') await viewTrust();
    else await viewSearch(params);
  } catch (e) {
    if (!isCurrent(seq)) return;
    show(notice('error', e.message));
    if (e instanceof ApiError && e.status === 401) {
      append(main(), [h('p', {}, h('button', { type: 'button', onclick: signOut }, t('signin.button')))]);
    }
  }
  if (isCurrent(seq)) main().focus({ preventScroll: true });
}

document.getElementById('lang').addEventListener('click', () => {
  state.lang = state.lang === 'vi' ? 'en' : 'vi';
  localStorage.setItem('vigil.lang', state.lang);
  route();
});
window.addEventListener('hashchange', route);
route();
