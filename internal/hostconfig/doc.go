// Package hostconfig reads /etc/shannot/config.json, the administrator's
// settings for runs made as root: where the audit log goes, and which
// unprivileged identity (user and groups) sandboxes are started under.
//
// Under sudo the file is opened with trust.Open, so only root can have
// written it; a missing file means the defaults.
package hostconfig
