// Package clientconfig adds shannot's MCP server to an MCP client's
// configuration file: what `shannot mcp install` prints, and with
// --write, writes.
//
// # Clients
//
// Four clients are known, by the names --client takes ([Clients]):
//
//	claude-code     ~/.claude.json                                  JSON, mcpServers.shannot
//	claude-desktop  ~/.config/Claude/claude_desktop_config.json     JSON, mcpServers.shannot
//	codex           ~/.codex/config.toml                            TOML, [mcp_servers.shannot]
//	lmstudio        ~/.lmstudio/mcp.json                            JSON, mcpServers.shannot (Cursor's notation)
//
// [DefaultFile] gives the file under a home directory; the caller may
// name any other.
//
// --client also takes [All] (every client) and [Auto]: the clients
// [Detect] finds installed, by their configuration file or directory
// under the home directory (~/.claude.json or ~/.claude, ~/.config/Claude,
// ~/.codex, ~/.lmstudio); [Resolve] turns the flag into clients, and
// [Install] prints or adds the entry for each, going on past a client
// that refuses it (an existing "shannot" entry is reported, never
// replaced) and naming those left out.
//
// # Printing
//
// [Print] writes the entry a user would add by hand, after a comment that
// names the file: a JSON object with mcpServers.shannot for the Claude
// clients and LM Studio (and, for claude-code, the equivalent `claude mcp add` line),
// the [mcp_servers.shannot] table for codex, its values quoted by the
// TOML encoder.
//
// # Adding
//
// [Add] reads the file, adds the "shannot" entry and writes the file back:
//
//   - A file that does not exist is created (mode 0600, and its directory
//     0700 if missing), holding only the entry.
//   - Every other entry is kept. A JSON file is decoded and written again,
//     indented with two spaces, its keys sorted; a TOML file is kept byte
//     for byte and the table appended after a blank line, and the result
//     is decoded again before it is written, so that what codex reads is
//     still TOML with the entry where codex looks for it.
//   - An existing "shannot" entry is never replaced: Add refuses, saying
//     to remove it first or edit it by hand.
//   - A file that is not a JSON object (or whose mcpServers is not one), or
//     not valid TOML, is refused and left as it is.
//   - The previous contents are saved as FILE.bak, and both files are
//     written with the existing file's permission bits through
//     [atomicfile.Write]: readers see the old file or the new one, never
//     a mix.
//   - FILE and FILE.bak must be regular files or not exist. A symbolic
//     link, a FIFO, a device, a socket or a directory is refused before
//     it is read (a FIFO would block the read) and again when it would be
//     replaced, and is left as it is.
//
// Every refusal is one line that names the file and says what to do; the
// error wraps its cause (the JSON or TOML decoder's error, the
// [*atomicfile.NotRegularError]), for [errors.As].
//
// The package holds no state and reads no environment: the caller finds
// the home directory and builds the [Entry] (which binary, which
// arguments).
package clientconfig
