// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    functory_app::compositing::avoid_software_compositing();
    let launch = match functory_app::LaunchRequest::from_args(std::env::args().skip(1)) {
        Ok(launch) => launch,
        Err(message) => {
            eprintln!("functory-app: {message}");
            std::process::exit(2);
        }
    };
    functory_app::run(launch);
}
