# Shared by scripts/start.sh and scripts/test.sh: idempotent set-up of what Functory needs.
# Sourced, not run.

# Builds land outside the clone so a fresh clone (CI) reuses the compiled dependencies.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/functory/target}"
FUNCTORY_TOOLS="${FUNCTORY_TOOLS:-$HOME/.cache/functory/tools}"
export PATH="$FUNCTORY_TOOLS/bin:$HOME/.cargo/bin:$PATH"

# What building the Tauri app needs on Debian/Ubuntu.
BUILD_PACKAGES=(libwebkit2gtk-4.1-dev build-essential pkg-config librsvg2-dev libdbus-1-dev)
# What the tests add: a virtual display, the WebKit WebDriver, a session bus and Secret Service,
# Debian's Chromium for the UI tests (never a downloaded browser), and the tools that build the
# native part of npm's aws-lambda-ric for the local runtime's compatibility test.
TEST_PACKAGES=(xvfb xauth webkit2gtk-driver dbus gnome-keyring libsecret-tools chromium python3-venv
  cmake autoconf automake libtool)

# Each heading carries the minutes:seconds since the script started, so a slow step shows in CI logs.
say() { printf '\n\033[1m==> %s\033[0m  [%d:%02d]\n' "$*" $((SECONDS / 60)) $((SECONDS % 60)); }
die() { printf '\nfunctory: %s\n' "$*" >&2; exit 1; }

require_toolchains() {
  command -v cargo >/dev/null || die "Rust is missing: install it from https://rustup.rs, then run this again."
  command -v node >/dev/null || die "Node.js 20 or newer is missing: install it (https://nodejs.org), then run this again."
  command -v npm >/dev/null || die "npm is missing: it comes with Node.js."
}

ensure_system_packages() {
  case "$(uname -s)" in
    Linux) ;;
    Darwin)
      say "macOS: no system packages needed beyond Xcode's command line tools (xcode-select --install)"
      return 0 ;;
    *)
      say "Windows: install the Microsoft C++ Build Tools and WebView2 (see README), then use Git Bash or WSL"
      return 0 ;;
  esac
  command -v dpkg-query >/dev/null || die "this script installs system packages with apt (Debian/Ubuntu); on another Linux install the equivalents of: $*"
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "Installing system packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
}

ensure_npm_packages() {
  # Reinstall only when the lock file changed since the last install.
  local stamp=node_modules/.functory-lock-stamp
  if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
    say "Installing npm packages"
    npm ci --ignore-scripts --no-audit --no-fund
    cp package-lock.json "$stamp"
  fi
}

ensure_tauri_driver() {
  command -v tauri-driver >/dev/null && return 0
  say "Installing tauri-driver (once, from crates.io)"
  cargo install tauri-driver --locked --root "$FUNCTORY_TOOLS"
}

build_app() {
  say "Building the UI and the desktop app"
  npm run build --workspace ui
  cargo build -p functory-app --features custom-protocol
  FUNCTORY_APP_BINARY="$CARGO_TARGET_DIR/debug/functory-app"
  export FUNCTORY_APP_BINARY
}

# Runs a command inside a private D-Bus session with a fresh, unlocked gnome-keyring: a real
# Secret Service that never touches the user's own keyring.
with_secret_service() {
  local data
  data=$(mktemp -d)
  dbus-run-session -- env XDG_DATA_HOME="$data" sh -c \
    'printf functory-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$@"' sh "$@"
  local status=$?
  rm -rf "$data"
  return $status
}
