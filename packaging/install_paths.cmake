# Runs at install time (install(SCRIPT)): writes the systemd unit and the configuration file for
# the prefix being installed to. SSOOIDC_SOURCE_DIR is set by packaging/CMakeLists.txt.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(sysconfdir /etc)
else()
  set(sysconfdir ${CMAKE_INSTALL_PREFIX}/etc)
endif()
set(SSOOIDC_BINDIR ${CMAKE_INSTALL_PREFIX}/bin)
set(SSOOIDC_CONFIG_FILE ${sysconfdir}/ssooidc/ssooidc-server.toml)
set(SSOOIDC_DOCDIR ${CMAKE_INSTALL_PREFIX}/share/doc/ssooidc)
# Generated in the build tree (SSOOIDC_BINARY_DIR, set beside SSOOIDC_SOURCE_DIR): an install
# script's CMAKE_CURRENT_BINARY_DIR is the directory `cmake --install` was run from, and copies
# made there with one test's prefix were once committed by mistake.
set(work ${SSOOIDC_BINARY_DIR}/ssooidc-install-paths)
configure_file(${SSOOIDC_SOURCE_DIR}/ssooidc-server.service.in ${work}/ssooidc-server.service @ONLY)
configure_file(${SSOOIDC_SOURCE_DIR}/ssooidc-server.toml.in ${work}/ssooidc-server.toml @ONLY)
file(INSTALL ${work}/ssooidc-server.service
     DESTINATION ${CMAKE_INSTALL_PREFIX}/lib/systemd/system)
file(INSTALL ${work}/ssooidc-server.toml DESTINATION ${sysconfdir}/ssooidc)
