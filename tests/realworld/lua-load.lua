-- lua-load.lua - a long-running lua5.4 workload for katana's real-program
-- tests: the parser, string concatenation and runtime errors in a loop,
-- with state that must survive a live patch.
--
-- Usage: lua5.4 lua-load.lua [ROUNDS_PER_LINE]
-- Prints "ready" once, then one line per ROUNDS_PER_LINE rounds (default 20):
--   tick N total=T state=S cve28805=old|new cve33099=old|new
-- N counts lines from 1, T the rounds done since start (never reset: the
-- process keeps its state), S a checksum of a table built since start and
-- checked against a second copy every round.  A wrong result of any
-- concatenation, parse or error check prints "WRONG ..." and exits 1.
--
-- The two probes see the code of the running interpreter:
--   cve28805 (lparser.c singlevar): a chunk whose _ENV is a <const> string;
--     the old parser generates wrong code and load() fails ("needs too many
--     registers"), the fixed one compiles it and the chunk returns
--     string.upper.
--   cve33099 (ldebug.c luaG_runerror): after a runtime error in a Lua
--     function, the old luaG_runerror leaves the message without position
--     on the stack: the message handler sees one more temporary in the
--     failing frame.

local per_line = tonumber(arg and arg[1]) or 20

local function wrong(what, got, want)
  io.stdout:write(string.format("WRONG %s: got %q want %q\n", what, tostring(got), tostring(want)))
  io.stdout:flush()
  os.exit(1)
end

local probe_src = 'local _ENV <const> = "abc"; return upper'
local function probe_28805()
  local f, err = load(probe_src)
  if not f then
    if not err:find("needs too many registers", 1, true) then wrong("28805 load", err, "registers") end
    return "old"
  end
  local up = f()
  if up ~= string.upper then wrong("28805 result", up, string.upper) end
  return "new"
end

local function fails() local a = nil; return a + 1 end
local function temporaries()
  local n = 0
  for i = 1, 50 do
    local name, v = debug.getlocal(2, i)
    if not name then break end
    if name == "(temporary)" and type(v) == "string" and v:find("^attempt to perform arithmetic") then
      n = n + 1
    end
  end
  return n
end
local function probe_33099()
  local ok, n = xpcall(fails, temporaries)
  if ok then wrong("33099 pcall", ok, false) end
  if n == 1 then return "old" elseif n == 0 then return "new" end
  wrong("33099 temporaries", n, "0 or 1")
end

-- the parser: chunks with locals, globals, upvalues, constants
local chunks = {}
for i = 1, 8 do
  chunks[i] = string.format([[
    local x <const> = %d
    local t = {}
    for i = 1, %d do t[#t + 1] = tostring(i * x) .. "," end
    local function up() return x + #t end
    return table.concat(t) .. "|" .. up() .. "|" .. (gv or "nil")
  ]], i, i + 3)
end
local function expect_chunk(i)
  local s = {}
  for k = 1, i + 3 do s[#s + 1] = tostring(k * i) .. "," end
  return table.concat(s) .. "|" .. (i + i + 3) .. "|nil"
end

-- concatenation: numbers and strings, short and long results
local function concat_round(r)
  local a, b = "k" .. r, r * 3
  local s = a .. ":" .. b .. ":" .. r .. "." .. a .. string.rep("x", r % 50)
  local want = string.format("k%d:%d:%d.k%d%s", r, r * 3, r, r, string.rep("x", r % 50))
  if s ~= want then wrong("concat", s, want) end
  local long = {}
  for i = 1, 30 do long[i] = "seg" .. i .. ";" end
  local l = table.concat(long)
  local c = ""
  for i = 1, 30 do c = c .. "seg" .. i .. ";" end
  if c ~= l then wrong("long concat", c, l) end
end

-- errors: runtime errors with position information, caught
local function error_round(r)
  local ok, err = pcall(function() return {} .. r end)
  if ok or not err:find("attempt to concatenate a table value", 1, true) then
    wrong("concat error", err, "attempt to concatenate")
  end
  local ok2, err2 = pcall(fails)
  if ok2 or not err2:find(":%d+: attempt to perform arithmetic on a nil value") then
    wrong("arith error", err2, "file:line: attempt to perform arithmetic")
  end
end

-- state: two tables grown since start, compared every round
local state, mirror, sum = {}, {}, 0
local rounds, lines = 0, 0

io.stdout:write("ready\n")
io.stdout:flush()
while true do
  for _ = 1, per_line do
    rounds = rounds + 1
    for i = 1, #chunks do
      local f = assert(load(chunks[i], "=chunk" .. i))
      local got = f()
      if got ~= expect_chunk(i) then wrong("chunk " .. i, got, expect_chunk(i)) end
    end
    concat_round(rounds)
    error_round(rounds)
    local k = "key" .. (rounds % 1000)
    state[k] = (state[k] or 0) + rounds
    mirror[k] = (mirror[k] or 0) + rounds
    sum = (sum + rounds) % 1000000007
    if state[k] ~= mirror[k] then wrong("state " .. k, state[k], mirror[k]) end
  end
  lines = lines + 1
  local check = 0
  for _, v in pairs(state) do check = (check + v) % 1000000007 end
  if check ~= sum then wrong("state sum", check, sum) end
  io.stdout:write(string.format("tick %d total=%d state=%d cve28805=%s cve33099=%s\n",
    lines, rounds, sum, probe_28805(), probe_33099()))
  io.stdout:flush()
end
