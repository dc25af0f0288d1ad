#!/usr/bin/env bash
# Installs the Debian 12 packages TwinForge builds and tests with.
# Idempotent: packages already installed are skipped, so a second run costs a second.
set -euo pipefail

PKGS=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  # core engine; OpenBLAS (pthread build) becomes the BLAS behind Debian's LibTorch through the
  # alternatives system: the reference BLAS ran the MLP benchmark's GEMMs at a few per cent of peak
  libopenblas0-pthread
  libtorch-dev libgloo-dev libhdf5-dev libyaml-cpp-dev libfftw3-dev nlohmann-json3-dev libcli11-dev
  # climate fields for the cyclone twin (netCDF-3 and netCDF-4)
  libnetcdf-dev
  # MLflow tracking servers over REST (core/track/MlflowRest)
  libcurl4-openssl-dev
  # GUI
  qt6-base-dev qt6-base-dev-tools qt6-charts-dev qt6-svg-dev libqt6opengl6-dev libgl1-mesa-dri
  # the OS keyring, for cluster profiles' SSH passphrases (never written to a file)
  qtkeychain-qt6-dev
  # 3D viewers (VTK 9.1; its Qt module is Qt 5 only, the bridge is ours)
  libvtk9-dev
  # running GUI tests headless
  xvfb xauth
  # hardening (scripts/sanitize.sh, scripts/fuzz.sh): clang with its sanitizer and libFuzzer
  # runtimes, llvm-cov for the fuzz corpora's coverage
  clang libclang-rt-14-dev llvm
  # cluster launching: ssh (the SSH launcher) and, for the tests' real services on 127.0.0.1,
  # munge + SLURM's controller, node daemon and clients, sshd, and ip for the two-host test
  openssh-client munge slurmctld slurmd slurm-client openssh-server iproute2
  # interop tests: a virtual environment with MLflow's and TensorBoard's clients from PyPI
  python3-venv
  # the netCDF reader's cross-check: a file written by netCDF4-python as ERA5 is published
  python3-netcdf4
  # the GW signal layer's cross-check: scipy's welch, butter/sosfiltfilt, iirnotch, resample
  python3-scipy
  # strain files written with h5py the way GWOSC publishes them (test_strain_file)
  python3-h5py
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PKGS[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${#missing[@]} packages: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
