# Installation layout (`cmake --install`) and the Debian package (`cpack` in the build dir:
# cs-bridge_<version>_amd64.deb). README, "Running under systemd".
#
# With the /usr prefix (the default here, and always the package's) the layout is Debian 12's:
# binaries in /usr/bin, units in /lib/systemd/system, sysusers.d and tmpfiles.d snippets in
# /usr/lib, example configs in /etc/cs-bridge (conffiles), the Wazuh rules in
# /usr/share/cs-bridge/wazuh, the README in /usr/share/doc/cs-bridge. Any other prefix keeps
# everything under it (<prefix>/etc/cs-bridge, <prefix>/lib/systemd/system). The choice is
# made at install time, so `cmake --install build --prefix DIR` and the package never depend
# on the prefix the build dir was configured with. Stage with DESTDIR as usual.

if(CMAKE_INSTALL_PREFIX_INITIALIZED_TO_DEFAULT)
  set(CMAKE_INSTALL_PREFIX /usr CACHE PATH "Install prefix" FORCE)
endif()
include(GNUInstallDirs)

install(FILES systemd/cs-bridge.sysusers.conf DESTINATION lib/sysusers.d RENAME cs-bridge.conf)
install(FILES systemd/cs-bridge.tmpfiles.conf DESTINATION lib/tmpfiles.d RENAME cs-bridge.conf)
# Whatever Wazuh files rules/ holds (crowdstrike.xml, ossec.conf.snippet...).
file(GLOB CSBRIDGE_WAZUH_FILES LIST_DIRECTORIES false CONFIGURE_DEPENDS
  ${PROJECT_SOURCE_DIR}/rules/*)
if(CSBRIDGE_WAZUH_FILES)
  install(FILES ${CSBRIDGE_WAZUH_FILES} DESTINATION ${CMAKE_INSTALL_DATADIR}/cs-bridge/wazuh)
endif()
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

# /etc and the unit directory sit outside the /usr prefix: decided at install time.
set(_src ${PROJECT_SOURCE_DIR})
install(CODE "
  if(CMAKE_INSTALL_PREFIX STREQUAL \"/usr\")
    set(_etc /etc)
    set(_units /lib/systemd/system)  # Debian 12's systemdsystemunitdir
  else()
    set(_etc \"\${CMAKE_INSTALL_PREFIX}/etc\")
    set(_units \"\${CMAKE_INSTALL_PREFIX}/lib/systemd/system\")
  endif()
  file(INSTALL DESTINATION \"\${_units}\" TYPE FILE FILES
    \"${_src}/systemd/cs-detections.service\" \"${_src}/systemd/cs-detections@.service\"
    \"${_src}/systemd/cs-incidents.service\" \"${_src}/systemd/cs-incidents@.service\")
  file(INSTALL DESTINATION \"\${_etc}/cs-bridge\" TYPE FILE
    PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ FILES
    \"${_src}/packaging/etc/detections.conf\" \"${_src}/packaging/etc/incidents.conf\")
  # 0600, so that a copy of it made to fill in does not leave a readable secret behind.
  file(INSTALL DESTINATION \"\${_etc}/cs-bridge\" TYPE FILE
    PERMISSIONS OWNER_READ OWNER_WRITE FILES
    \"${_src}/packaging/etc/credentials.env.example\")
")

# --- CPack: one .deb --------------------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME cs-bridge)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_DESCRIPTION
  "Two systemd daemons, cs-detections (Falcon alerts) and cs-incidents (Falcon cases and\n\
incidents), poll the CrowdStrike Falcon API and append NDJSON that the Wazuh manager tails.\n\
Ships hardened units, template units for several tenants and the Wazuh rules.")
set(CPACK_PACKAGE_CONTACT "cs-bridge maintainers <root@localhost>")
# Installed with DESTDIR=<package root> and the /usr prefix, whatever the build dir's prefix.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # cs-bridge_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Library dependencies from dpkg-shlibdeps (dpkg-dev), plus systemd for the units'
# LoadCredential=/SetCredential=, ProtectProc= and systemd-sysusers.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd (>= 247)")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${PROJECT_SOURCE_DIR}/packaging/debian/postinst
  ${PROJECT_SOURCE_DIR}/packaging/debian/prerm
  ${PROJECT_SOURCE_DIR}/packaging/debian/postrm
  ${PROJECT_SOURCE_DIR}/packaging/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
include(CPack)
