-- installShellFiles as a phaser module: what nixpkgs' installManPage and
-- installShellCompletion do (pkgs/by-name/in/installShellFiles/
-- setup-hook.sh), driven by attributes instead of calls in postInstall.
--
--   installManPages: ["doc/foo.1", "doc/libfoo.3.gz"]
--     each into <outputMan>/share/man/man<section>/ (section 3 into
--     <outputDevman>); the section is the suffix, after any .gz.
--   installShellCompletions: ["foo.bash", "_foo", {"path": "c.sh",
--     "shell": "fish", "name": "foo.fish"}, {"path": "x", "shell": "zsh",
--     "cmd": "foo"}]
--     the shell comes from the suffix (.bash .fish .zsh .nu; a name
--     starting with _ and no suffix is zsh) unless given; `name` renames
--     the file, `cmd` names it after a command (foo.bash, foo.fish,
--     foo.nu, _foo); zsh files are renamed foo.zsh -> _foo. Each goes to
--     <outputBin>/share/{bash-completion/completions, fish/
--     vendor_completions.d, zsh/site-functions, nushell/vendor/autoload}.
--
-- Relative paths are relative to the directory postInstall runs in (the
-- source root).
local attrs, outputs = input.attrs, input.outputs

-- The path of the output an `output*` attribute (outputMan, ...) names.
local function output_of(variable)
  local name = attrs[variable]
  local path = name and outputs[name]
  if not path then
    error(("%s names no output of this build (%s)"):format(variable, tostring(name)))
  end
  return path
end

-- A path's file name without a store path's `<hash>-` (stripHash).
local function file_name(path)
  local base = path:match("([^/]+)/*$") or path
  if #base > 33 and base:sub(33, 33) == "-" and base:sub(1, 32):match("^[0-9a-z]+$") then
    return base:sub(34)
  end
  return base
end

local installed = {}

for _, page in ipairs(attrs.installManPages or {}) do
  local name = file_name(page)
  local section = name:gsub("%.gz$", ""):match("%.([^.]+)$")
  if not section then
    error(("installManPages: %s has no section suffix (foo.1, foo.3.gz)"):format(page))
  end
  local root = section == "3" and output_of("outputDevman") or output_of("outputMan")
  local dest = ("%s/share/man/man%s/%s"):format(root, section, name)
  std.install{src = page, dest = dest, mode = "644"}
  installed[#installed + 1] = dest
end

local share_dirs = {
  bash = "bash-completion/completions",
  fish = "fish/vendor_completions.d",
  zsh = "zsh/site-functions",
  nushell = "nushell/vendor/autoload",
}
local by_suffix = {bash = "bash", fish = "fish", zsh = "zsh", nu = "nushell"}
local cmd_names = {
  bash = "%s.bash", fish = "%s.fish", nushell = "%s.nu", zsh = "_%s",
}

for _, entry in ipairs(attrs.installShellCompletions or {}) do
  if type(entry) ~= "table" then
    entry = {path = entry}
  end
  local path = entry.path
  if type(path) ~= "string" or path == "" then
    error("installShellCompletions: every entry names a file (a path, or an object with `path`)")
  end
  local base = file_name(path)
  local shell = entry.shell
  if not shell then
    shell = by_suffix[base:match("%.([^.]+)$") or ""]
    if not shell and base:match("^_") and not base:find("%.") then
      shell = "zsh"
    end
  end
  if not share_dirs[shell or ""] then
    error(("installShellCompletions: cannot tell the shell of %s: give `shell` (bash, fish, zsh or nushell)"):format(path))
  end
  local name = entry.name
  if not name and entry.cmd then
    name = cmd_names[shell]:format(entry.cmd)
  elseif not name then
    name = base
    if shell == "zsh" then
      name = "_" .. name:gsub("%.zsh$", ""):gsub("^_", "")
    end
  end
  local dest = ("%s/share/%s/%s"):format(output_of("outputBin"), share_dirs[shell], name)
  std.install{src = path, dest = dest, mode = "644"}
  local stat = std.stat{path = dest}
  if not stat or stat.size == 0 then
    error(("installShellCompletions: %s is empty"):format(dest))
  end
  installed[#installed + 1] = dest
end

for _, path in ipairs(installed) do
  std.log("installed " .. path)
end
