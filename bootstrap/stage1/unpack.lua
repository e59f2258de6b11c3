-- Stage 1, unpack, run by stage 0's lua: the same checks and the same
-- native unpacking as stage 0, asked for through `phaser std`.
local src = input.attrs.src
local sum = std.hash{file = src}
if sum ~= input.attrs.srcSha256 then
  error(src .. " has sha256 " .. sum .. ", but the plan expects " .. input.attrs.srcSha256, 0)
end
local unpacked = std.unpack{src}
return {state = {sourceRoot = unpacked.sourceRoot}}
