# Installation and the Debian package (`make deb`, docs/operator.md section 1).
#
# Included from the top CMakeLists.txt. Installs, with the DESTINATIONs of GNUInstallDirs under
# CPack's prefix /usr:
#   /usr/bin/vigil
#   /usr/share/man/man1/vigil*.1.gz           built by the vigil_man target (manpages.sh)
#   /usr/share/doc/vigil/                      README, docs/*.md, copyright, changelog.gz,
#                                              examples/nginx/vigil.conf, vigil-proxy.conf
#   /usr/libexec/vigil/backup-rotate, monitor-run
#   /lib/systemd/system/vigil*.{service,timer}
#   /etc/vigil/{vigil,witness,mirror,monitor}.toml   conffiles
# and CPack DEB makes build/vigil_<version>_amd64.deb: Depends from dpkg-shlibdeps over the
# linked binary (the shared libraries really linked), maintainer scripts from cli/deploy/debian.
# `make install` does not build everything first (CMAKE_SKIP_INSTALL_ALL_DEPENDENCY): `make deb`
# builds what the package holds (vigil, vigil_man) and no test binary.
include(GNUInstallDirs)
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
set(VIGIL_DEPLOY ${CMAKE_CURRENT_LIST_DIR})
set(VIGIL_MAN_DIR ${CMAKE_BINARY_DIR}/man)

# The man pages, from the built binary's --help (no help2man: CLI11's help is not GNU-style).
add_custom_target(vigil_man
  COMMAND ${VIGIL_DEPLOY}/manpages.sh $<TARGET_FILE:vigil> ${VIGIL_MAN_DIR} ${PROJECT_VERSION}
  DEPENDS vigil ${VIGIL_DEPLOY}/manpages.sh
  COMMENT "man pages from vigil --help"
  VERBATIM)

# changelog.gz (a native package's changelog, Debian policy 12.7), made at configure time.
string(TIMESTAMP VIGIL_BUILD_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
set(VIGIL_MAINTAINER "Vigil maintainers <vigil-maintainers@example.org>")
file(WRITE ${CMAKE_BINARY_DIR}/deb/changelog
  "vigil (${PROJECT_VERSION}) unstable; urgency=medium\n\n"
  "  * Built from the Vigil source tree (docs/operator.md, section 1).\n\n"
  " -- ${VIGIL_MAINTAINER}  ${VIGIL_BUILD_DATE}\n")
add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/deb/changelog.gz
  COMMAND gzip -9nf -k ${CMAKE_BINARY_DIR}/deb/changelog
  DEPENDS ${CMAKE_BINARY_DIR}/deb/changelog
  VERBATIM)
add_custom_target(vigil_changelog DEPENDS ${CMAKE_BINARY_DIR}/deb/changelog.gz)
add_dependencies(vigil_man vigil_changelog)

# Full RELRO for the packaged program (lintian: hardening-no-bindnow); relinks only vigil.
target_link_options(vigil PRIVATE LINKER:-z,relro,-z,now)

install(TARGETS vigil RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${VIGIL_MAN_DIR}/ DESTINATION ${CMAKE_INSTALL_MANDIR}/man1
        FILES_MATCHING PATTERN "*.1.gz")
set(VIGIL_DOC ${CMAKE_INSTALL_DATAROOTDIR}/doc/vigil)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${VIGIL_DEPLOY}/debian/copyright
              ${CMAKE_BINARY_DIR}/deb/changelog.gz
        DESTINATION ${VIGIL_DOC})
file(GLOB VIGIL_DOC_PAGES ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${VIGIL_DOC_PAGES} DESTINATION ${VIGIL_DOC})
install(FILES ${VIGIL_DEPLOY}/nginx/vigil.conf ${VIGIL_DEPLOY}/nginx/vigil-proxy.conf
        DESTINATION ${VIGIL_DOC}/examples/nginx)
install(PROGRAMS ${VIGIL_DEPLOY}/libexec/backup-rotate ${VIGIL_DEPLOY}/libexec/monitor-run
        DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/vigil)
# Absolute: these paths are fixed by Debian, not by the prefix.
file(GLOB VIGIL_UNITS ${VIGIL_DEPLOY}/systemd/*.service ${VIGIL_DEPLOY}/systemd/*.timer)
install(FILES ${VIGIL_UNITS} DESTINATION /lib/systemd/system)
install(FILES ${VIGIL_DEPLOY}/vigil.toml ${VIGIL_DEPLOY}/witness.toml ${VIGIL_DEPLOY}/mirror.toml
              ${VIGIL_DEPLOY}/monitor.toml
        DESTINATION /etc/vigil)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME vigil)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "tamper-evident ledger for controlled chemicals")
set(CPACK_PACKAGE_DESCRIPTION
  "Vigil is a tamper-evident ledger for controlled precursor chemicals and\n\
sensitive businesses: licensed businesses and inspectors submit signed\n\
records, the police of a jurisdiction run the log (an RFC 6962 Merkle tree\n\
with signed checkpoints and tiles), and anyone holding a checkpoint can\n\
verify that nothing was altered, removed or back-dated.\n\
This package holds the vigil command (server, client, verifier, monitor,\n\
backup), hardened systemd units and an example nginx configuration.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${VIGIL_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://vigil.example.org/")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# useradd/groupadd in postinst (deb-systemd-invoke in prerm is init-system-helpers: essential).
set(CPACK_DEBIAN_PACKAGE_DEPENDS "passwd")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "nginx, lmdb-utils")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${VIGIL_DEPLOY}/debian/postinst ${VIGIL_DEPLOY}/debian/prerm ${VIGIL_DEPLOY}/debian/postrm
  ${VIGIL_DEPLOY}/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_CONTACT "${VIGIL_MAINTAINER}")
include(CPack)
