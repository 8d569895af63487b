-- Neovim's own LSP client (0.7 and later) driving `mppeep-lint server` on
-- a copy of the seed project, as a user would: run by tests/neovim.rs as
--   nvim --headless -u NONE -c "luafile tests/neovim/lsp.lua"
-- with MPPEEP_BIN (the binary), MPPEEP_PROJECT (the copy) and MPPEEP_OUT
-- (where to write what it saw, as JSON, for the test to judge). Every wait
-- is bounded; a step that fails records its error and the script still
-- writes what it saw and quits.

local bin = os.getenv('MPPEEP_BIN')
local root = os.getenv('MPPEEP_PROJECT')
local out = os.getenv('MPPEEP_OUT')
local seen = { steps = {} }
local WAIT = 20000

local function write()
  local f = assert(io.open(out, 'w'))
  f:write(vim.fn.json_encode(seen))
  f:close()
end

-- The diagnostics of a buffer with rule `code`.
local function with_code(buf, code)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.code == code then
      table.insert(found, d)
    end
  end
  return found
end

local function wait_for(what, cond)
  if not vim.wait(WAIT, cond, 20) then
    error('timed out waiting for ' .. what)
  end
end

-- Replaces the first line of `buf` matching `pattern` with `f(line)`
-- (a buffer edit: the client sends it as didChange); nil deletes it.
local function edit_line(buf, pattern, f)
  local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  for i, line in ipairs(lines) do
    if line:find(pattern) then
      local new = f(line)
      vim.api.nvim_buf_set_lines(buf, i - 1, i, false, new and { new } or {})
      return line
    end
  end
  error('no line matches ' .. pattern)
end

local ok, err = pcall(function()
  vim.cmd('edit ' .. vim.fn.fnameescape(root .. '/.env'))
  local env = vim.api.nvim_get_current_buf()
  local id = vim.lsp.start_client({ name = 'mppeep-lint', cmd = { bin, 'server' }, root_dir = root })
  assert(id, 'the client did not start')
  vim.lsp.buf_attach_client(env, id)
  local client = vim.lsp.get_client_by_id(id)
  wait_for('initialize', function() return client.initialized end)
  seen.hover_provider = client.server_capabilities.hoverProvider
  local compose_uri = vim.uri_from_fname(root .. '/docker-compose.prod.yml')
  local compose = vim.uri_to_bufnr(compose_uri)

  -- 1. `localhost` in DATABASE_URL, typed in the .env buffer (not saved):
  -- the finding on the value, explained by the compose file's reference.
  edit_line(env, '^DATABASE_URL=', function(l) return (l:gsub('@db:', '@localhost:')) end)
  wait_for('localhost-in-container in .env', function()
    return #with_code(env, 'localhost-in-container') > 0
  end)
  local d = with_code(env, 'localhost-in-container')[1]
  seen.localhost = {
    line = d.lnum,
    message = d.message,
    related = vim.tbl_map(function(r) return r.location.uri end,
      (d.user_data and d.user_data.lsp and d.user_data.lsp.relatedInformation) or {}),
  }
  table.insert(seen.steps, 'localhost')

  -- 2. A required variable removed from .env: the diagnostic appears in
  -- the compose file, which is not open, and goes when it comes back.
  local removed = edit_line(env, '^POSTGRES_PASSWORD=', function() return nil end)
  wait_for('a diagnostic in the compose file', function()
    return #vim.diagnostic.get(compose) > 0 and vim.tbl_count(vim.tbl_filter(function(x)
      return x.message:find('POSTGRES_PASSWORD', 1, true) ~= nil
    end, vim.diagnostic.get(compose))) > 0
  end)
  for _, x in ipairs(vim.diagnostic.get(compose)) do
    if x.message:find('POSTGRES_PASSWORD', 1, true) then
      seen.required = { line = x.lnum, code = x.code, message = x.message }
    end
  end
  vim.api.nvim_buf_set_lines(env, 0, 0, false, { removed })
  wait_for('the compose diagnostic to go', function()
    for _, x in ipairs(vim.diagnostic.get(compose)) do
      if x.message:find('POSTGRES_PASSWORD', 1, true) then return false end
    end
    return true
  end)
  table.insert(seen.steps, 'required')

  -- 3. Hover on `${DATABASE_URL}` in the compose file.
  vim.fn.bufload(compose)
  vim.lsp.buf_attach_client(compose, id)
  local lines = vim.api.nvim_buf_get_lines(compose, 0, -1, false)
  local at
  for i, line in ipairs(lines) do
    local c = line:find('${DATABASE_URL}', 1, true)
    if c then at = { line = i - 1, character = c + 1 } break end
  end
  assert(at, 'no ${DATABASE_URL} in the compose file')
  local hover = client.request_sync('textDocument/hover', {
    textDocument = { uri = compose_uri }, position = at,
  }, WAIT, compose)
  assert(hover and not hover.err, 'hover failed: ' .. vim.inspect(hover and hover.err))
  local contents = hover.result and hover.result.contents
  seen.hover = type(contents) == 'table' and (contents.value or vim.inspect(contents)) or tostring(contents)
  table.insert(seen.steps, 'hover')

  -- 4. The quick fix of the localhost finding, applied.
  local d = with_code(env, 'localhost-in-container')[1]
  local actions = client.request_sync('textDocument/codeAction', {
    textDocument = { uri = vim.uri_from_bufnr(env) },
    range = { start = { line = d.lnum, character = 0 }, ['end'] = { line = d.end_lnum, character = 0 } },
    context = { diagnostics = {} },
  }, WAIT, env)
  assert(actions and not actions.err, 'codeAction failed')
  seen.actions = vim.tbl_map(function(a) return a.title end, actions.result or {})
  local chosen
  for _, a in ipairs(actions.result or {}) do
    if a.title:find('localhost', 1, true) and a.edit then chosen = a break end
  end
  assert(chosen, 'no fix offered for localhost')
  vim.lsp.util.apply_workspace_edit(chosen.edit, client.offset_encoding)
  wait_for('the localhost finding to go', function()
    return #with_code(env, 'localhost-in-container') == 0
  end)
  for _, line in ipairs(vim.api.nvim_buf_get_lines(env, 0, -1, false)) do
    if line:find('^DATABASE_URL=') then seen.fixed_line = line end
  end
  table.insert(seen.steps, 'code action')

  -- 5. Shut down as the editor does on quit.
  client.stop()
  wait_for('the server to stop', function() return client.is_stopped() end)
  table.insert(seen.steps, 'stopped')
end)
if not ok then
  seen.error = tostring(err)
end
write()
vim.cmd('qa!')
