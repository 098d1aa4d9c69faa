//! Whether a child process is the one listening on a port: a connection alone does not say,
//! since another process may have bound the port between a free-port probe and the child's own
//! bind (the child then exits). Used where an emulator or server is started on a loopback port.

/// Whether process `pid` holds a socket listening on TCP `port` (IPv4), read from
/// `/proc/net/tcp` and the process's file descriptors.
#[cfg(target_os = "linux")]
pub fn process_listens_on(pid: u32, port: u16) -> bool {
    const LISTEN: &str = "0A";
    let Ok(table) = std::fs::read_to_string("/proc/net/tcp") else {
        return true; // no procfs: the connection has to do
    };
    let listening_inodes: Vec<&str> = table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let local_port = fields.get(1)?.rsplit(':').next()?;
            let listens =
                u16::from_str_radix(local_port, 16).ok()? == port && fields.get(3)? == &LISTEN;
            listens.then(|| fields.get(9).copied()).flatten()
        })
        .collect();
    let Ok(descriptors) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    descriptors.flatten().any(|entry| {
        std::fs::read_link(entry.path()).is_ok_and(|target| {
            let target = target.to_string_lossy();
            target
                .strip_prefix("socket:[")
                .and_then(|rest| rest.strip_suffix(']'))
                .is_some_and(|inode| listening_inodes.contains(&inode))
        })
    })
}

#[cfg(not(target_os = "linux"))]
pub fn process_listens_on(_pid: u32, _port: u16) -> bool {
    true
}
