# CMake toolchain for the linux-arm64 prebuilt, cross-compiled on an x86-64 Debian with
# gcc-aarch64-linux-gnu/g++-aarch64-linux-gnu (glibc and the C++ runtime from /usr/aarch64-linux-gnu).
# NSINIT_SYSROOT is the tree scripts/cross-sysroot.sh extracted Debian's arm64 libseccomp-dev into:
# its static archive and headers are used, never the host's x86-64 ones.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
if(NOT NSINIT_SYSROOT)
  message(FATAL_ERROR "pass -DNSINIT_SYSROOT=<dir> (scripts/cross-sysroot.sh arm64 makes it)")
endif()
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES NSINIT_SYSROOT)
set(CMAKE_FIND_ROOT_PATH ${NSINIT_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
# seccomp.h from the arm64 package, ahead of the cross compiler's fallback to the host's /usr/include.
set(CMAKE_C_FLAGS_INIT "-isystem ${NSINIT_SYSROOT}/usr/include")
set(CMAKE_CXX_FLAGS_INIT "-isystem ${NSINIT_SYSROOT}/usr/include")
