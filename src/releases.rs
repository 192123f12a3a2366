//! Per release, how a reboot ends in kexec and what the administrator types: the man page's
//! RELEASES section and its systemd FILES entries. Kept apart from manpage.rs because it
//! describes the packaging (rc script on 5/6, units on 7/8/9), not the command line.

/// The RELEASES section of kexec-reboot(8), roff.
pub const MAN_SECTION: &str = concat!(
    ".SH RELEASES\n",
    ".TP\nCentOS/RHEL 5 and 6 (sysvinit, Upstart)\n",
    "\\fBchkconfig kexec on\\fR and \\fBservice kexec start\\fR. At runlevel 6 \\fB/etc/rc.d/init.d/kexec stop\\fR ",
    "(K01) runs \\fBkexec\\-reboot load\\fR; the stock halt script's \\fBkexec \\-e \\-x\\fR boots it.\n",
    ".TP\nCentOS/RHEL 7, 8 and 9 (systemd)\n",
    "\\fBsystemctl enable \\-\\-now kexec\\fR (on 7, \\fBchkconfig kexec on\\fR is forwarded to ",
    "\\fBsystemctl enable kexec.service\\fR; then \\fBsystemctl start kexec\\fR or a reboot). ",
    "\\fBkexec.service\\fR records the boot at start\\-up (\\fBkexec\\-reboot confirm\\fR); its stop, early in the shutdown ",
    "and before /boot is unmounted, runs \\fBkexec\\-reboot load\\fR when a reboot is under way (a reboot.target job), never on ",
    "poweroff, halt or \\fBsystemctl kexec\\fR. \\fBkexec\\-exec.service\\fR, pulled in by reboot.target, runs after the filesystems ",
    "are unmounted and before systemd\\-reboot.service: when our image is loaded it runs \\fBsystemctl \\-\\-force kexec\\fR; if that ",
    "fails or the step is stopped, our image is unloaded and the reboot goes through the firmware. ",
    "\\fBshutdown \\-r now\\fR, \\fBreboot\\fR and \\fBsystemctl reboot\\fR all end in kexec this way: systemd decides between ",
    "reboot and kexec when the command is typed (systemctl.c checks /sys/kernel/kexec_loaded then), before anything is loaded. ",
    "An operator's own \\fBkexec \\-l\\fR followed by \\fBsystemctl kexec\\fR is left alone. ",
    "\\fBsystemctl disable kexec\\fR turns it off at once.\n",
    ".TP\nEvery release\n",
    "When a kernel is installed, \\fBkexec\\-reboot check \\-\\-kernel\\fR \\fIVERSION\\fR runs from ",
    "/etc/kernel/postinst.d/51\\-kexec\\-reboot (new\\-kernel\\-pkg, 5 to 7) or ",
    "/usr/lib/kernel/install.d/95\\-kexec\\-reboot.install (kernel\\-install, 8 and 9) and warns on the terminal and in syslog ",
    "if a reboot into it could not use kexec. It never fails the transaction.\n",
);

/// FILES entries of the systemd releases, roff.
pub const MAN_FILES: &str = concat!(
    ".TP\n/usr/lib/systemd/system/kexec.service, /usr/lib/systemd/system/kexec\\-exec.service\n",
    "The units of CentOS/RHEL 7, 8 and 9 (instead of the rc script). Enable with \\fBsystemctl enable \\-\\-now kexec\\fR.\n",
    ".TP\n/usr/libexec/kexec\\-reboot/kexec\\-step\nWhat the units run at shutdown: \\fBload\\fR, \\fBexec\\fR, \\fBcleanup\\fR.\n",
    ".TP\n/usr/lib/systemd/system\\-shutdown/kexec\\-reboot.shutdown\nUnloads any image still loaded when systemd\\-shutdown ",
    "ends in a firmware reboot (on 7, \\fBreboot \\-f\\fR with an image loaded aborts).\n",
);
