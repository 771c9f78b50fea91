"""The command line as the typer declarations define it (generated; do not edit).

Written by ``python -m gitml.cli._generate`` from the typer app; the fast path (``_parse``)
reads commands from it without importing typer. ``tests/cli/test_spec.py`` fails when it
is out of date.
"""

from gitml.cli._parse import Command, Param

COMMANDS: dict[tuple[str, ...], Command] = {
    ('init',): Command(
        body='gitml.cli._project_cmds:init',
        params=(
            Param(dest='hooks', kind='flag', opts=('--hooks',), default=False, required=False, positional=False),
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('hook',): Command(
        body='gitml.cli._project_cmds:hook',
        params=(
            Param(dest='name', kind='arg', opts=(), default=None, required=True, positional=True),
            Param(dest='args', kind='args', opts=(), default=None, required=False, positional=True),
        ),
        interspersed=True,
    ),
    ('validate',): Command(
        body='gitml.cli._project_cmds:validate',
        params=(
            Param(dest='files', kind='args', opts=(), default=None, required=False, positional=True),
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('run',): Command(
        body='gitml.cli._runs_cmds:run',
        params=(
            Param(dest='command', kind='tail', opts=(), default=None, required=False, positional=True),
            Param(dest='name', kind='text', opts=('--name', '-n'), default=None, required=False, positional=False),
            Param(dest='message', kind='text', opts=('--message', '-m'), default=None, required=False, positional=False),
            Param(dest='tag', kind='multi', opts=('--tag', '-t'), default=None, required=False, positional=False),
            Param(dest='set_param', kind='multi', opts=('--set-param', '-S'), default=None, required=False, positional=False),
            Param(dest='param', kind='multi', opts=('--param', '-P'), default=None, required=False, positional=False),
            Param(dest='metrics', kind='multi', opts=('--metrics', '-M'), default=None, required=False, positional=False),
            Param(dest='params_file', kind='multi', opts=('--params-file',), default=None, required=False, positional=False),
            Param(dest='input_', kind='multi', opts=('--input', '-i'), default=None, required=False, positional=False),
            Param(dest='output', kind='multi', opts=('--output', '-o'), default=None, required=False, positional=False),
            Param(dest='jobs', kind='int', opts=('--jobs', '-j'), default=1, required=False, positional=False),
            Param(dest='best', kind='text', opts=('--best',), default=None, required=False, positional=False),
        ),
        interspersed=False,
    ),
    ('ls',): Command(
        body='gitml.cli._runs_cmds:ls',
        params=(
            Param(dest='where', kind='text', opts=('--where', '-w'), default=None, required=False, positional=False),
            Param(dest='sort', kind='multi', opts=('--sort', '-s'), default=None, required=False, positional=False),
            Param(dest='limit', kind='int', opts=('--limit', '-n'), default=20, required=False, positional=False),
            Param(dest='columns', kind='text', opts=('--columns', '-c'), default=None, required=False, positional=False),
            Param(dest='branch', kind='text', opts=('--branch', '-b'), default=None, required=False, positional=False),
            Param(dest='all_', kind='flag', opts=('--all', '-a'), default=False, required=False, positional=False),
            Param(dest='commit', kind='text', opts=('--commit',), default=None, required=False, positional=False),
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('show',): Command(
        body='gitml.cli._runs_cmds:show',
        params=(
            Param(dest='run_ref', kind='arg', opts=(), default=None, required=True, positional=True),
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('compare',): Command(
        body='gitml.cli._runs_cmds:compare',
        params=(
            Param(dest='runs', kind='args', opts=(), default=None, required=True, positional=True),
            Param(dest='all_params', kind='flag', opts=('--all-params',), default=False, required=False, positional=False),
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('relink',): Command(
        body='gitml.cli._runs_cmds:relink',
        params=(
            Param(dest='head', kind='text', opts=('--head',), default='HEAD', required=False, positional=False),
            Param(dest='depth', kind='int', opts=('--depth',), default=200, required=False, positional=False),
            Param(dest='dry_run', kind='flag', opts=('--dry-run',), default=False, required=False, positional=False),
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('rerun',): Command(
        body='gitml.cli._rerun_cmds:rerun',
        params=(
            Param(dest='run_ref', kind='arg', opts=(), default=None, required=False, positional=True),
            Param(dest='since', kind='text', opts=('--since',), default=None, required=False, positional=False),
            Param(dest='sweep', kind='text', opts=('--sweep',), default=None, required=False, positional=False),
            Param(dest='in_', kind='path', opts=('--in',), default=None, required=False, positional=False),
            Param(dest='tolerance', kind='multi', opts=('--tolerance', '-T'), default=None, required=False, positional=False),
            Param(dest='set_param', kind='multi', opts=('--set', '-S'), default=None, required=False, positional=False),
            Param(dest='dry_run', kind='flag', opts=('--dry-run',), default=False, required=False, positional=False),
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('demo',): Command(
        body='gitml.cli._demo_cmds:demo',
        params=(
            Param(dest='directory', kind='path', opts=(), default=None, required=False, positional=True),
        ),
        interspersed=True,
    ),
    ('pull',): Command(
        body='gitml.cli._sync_cmds:pull',
        params=(
            Param(dest='remote', kind='arg', opts=(), default='origin', required=False, positional=True),
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('push',): Command(
        body='gitml.cli._sync_cmds:push',
        params=(
            Param(dest='remote', kind='arg', opts=(), default='origin', required=False, positional=True),
            Param(dest='no_data', kind='flag', opts=('--no-data',), default=False, required=False, positional=False),
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('sync',): Command(
        body='gitml.cli._sync_cmds:sync',
        params=(
            Param(dest='remote', kind='arg', opts=(), default='origin', required=False, positional=True),
            Param(dest='no_data', kind='flag', opts=('--no-data',), default=False, required=False, positional=False),
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('fetch',): Command(
        body='gitml.cli._sync_cmds:fetch',
        params=(
            Param(dest='remote', kind='arg', opts=(), default='origin', required=False, positional=True),
            Param(dest='ci', kind='flag', opts=('--ci',), default=False, required=False, positional=False),
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('promote',): Command(
        body='gitml.cli._registry_cmds:promote',
        params=(
            Param(dest='name', kind='arg', opts=(), default=None, required=True, positional=True),
            Param(dest='version', kind='arg', opts=(), default=None, required=True, positional=True),
            Param(dest='stage', kind='arg', opts=(), default=None, required=True, positional=True),
            Param(dest='branch', kind='flag', opts=('--branch', '-b'), default=False, required=False, positional=False),
            Param(dest='branch_name', kind='text', opts=('--branch-name',), default=None, required=False, positional=False),
            Param(dest='direct', kind='flag', opts=('--direct',), default=False, required=False, positional=False),
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('demote',): Command(
        body='gitml.cli._registry_cmds:demote',
        params=(
            Param(dest='name', kind='arg', opts=(), default=None, required=True, positional=True),
            Param(dest='version', kind='arg', opts=(), default=None, required=True, positional=True),
            Param(dest='stage', kind='arg', opts=(), default=None, required=True, positional=True),
            Param(dest='branch', kind='flag', opts=('--branch', '-b'), default=False, required=False, positional=False),
            Param(dest='branch_name', kind='text', opts=('--branch-name',), default=None, required=False, positional=False),
            Param(dest='direct', kind='flag', opts=('--direct',), default=False, required=False, positional=False),
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('archive',): Command(
        body='gitml.cli._registry_cmds:archive',
        params=(
            Param(dest='name', kind='arg', opts=(), default=None, required=True, positional=True),
            Param(dest='version', kind='arg', opts=(), default=None, required=True, positional=True),
            Param(dest='branch', kind='flag', opts=('--branch', '-b'), default=False, required=False, positional=False),
            Param(dest='branch_name', kind='text', opts=('--branch-name',), default=None, required=False, positional=False),
            Param(dest='direct', kind='flag', opts=('--direct',), default=False, required=False, positional=False),
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('monitor',): Command(
        body='gitml.cli._monitor_cmds:monitor',
        params=(
            Param(dest='target', kind='arg', opts=(), default=None, required=True, positional=True),
            Param(dest='model', kind='arg', opts=(), default=None, required=False, positional=True),
            Param(dest='data', kind='path', opts=('--data', '-d'), default=None, required=False, positional=False),
            Param(dest='prediction', kind='text', opts=('--prediction', '-p'), default=None, required=False, positional=False),
            Param(dest='label', kind='text', opts=('--label', '-l'), default=None, required=False, positional=False),
            Param(dest='reference', kind='path', opts=('--reference', '-r'), default=None, required=False, positional=False),
            Param(dest='fmt', kind='text', opts=('--format',), default='table', required=False, positional=False),
            Param(dest='show_all', kind='flag', opts=('--all', '-a'), default=False, required=False, positional=False),
            Param(dest='no_save', kind='flag', opts=('--no-save',), default=False, required=False, positional=False),
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('scan',): Command(
        body='gitml.cli._monitor_cmds:scan',
        params=(
            Param(dest='target', kind='arg', opts=(), default=None, required=True, positional=True),
            Param(dest='data', kind='path', opts=('--data', '-d'), default=None, required=False, positional=False),
            Param(dest='predict', kind='text', opts=('--predict',), default=None, required=False, positional=False),
            Param(dest='label', kind='text', opts=('--label', '-l'), default=None, required=False, positional=False),
            Param(dest='fmt', kind='text', opts=('--format',), default='table', required=False, positional=False),
            Param(dest='show_all', kind='flag', opts=('--all', '-a'), default=False, required=False, positional=False),
            Param(dest='no_save', kind='flag', opts=('--no-save',), default=False, required=False, positional=False),
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('check',): Command(
        body='gitml.cli._check_cmds:check',
        params=(
            Param(dest='files', kind='args', opts=(), default=None, required=False, positional=True),
            Param(dest='staged', kind='flag', opts=('--staged',), default=False, required=False, positional=False),
            Param(dest='base', kind='text', opts=('--base',), default=None, required=False, positional=False),
            Param(dest='push', kind='flag', opts=('--push',), default=False, required=False, positional=False),
            Param(dest='all_', kind='flag', opts=('--all',), default=False, required=False, positional=False),
            Param(dest='fmt', kind='text', opts=('--format',), default='text', required=False, positional=False),
            Param(dest='self_test', kind='flag', opts=('--self-test',), default=False, required=False, positional=False),
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('repro',): Command(
        body='gitml.cli._pipelines_cmds:repro',
        params=(
            Param(dest='targets', kind='args', opts=(), default=None, required=False, positional=True),
            Param(dest='force', kind='flag', opts=('--force', '-f'), default=False, required=False, positional=False),
            Param(dest='single_item', kind='flag', opts=('--single-item', '-s'), default=False, required=False, positional=False),
            Param(dest='downstream', kind='flag', opts=('--downstream',), default=False, required=False, positional=False),
            Param(dest='dry_run', kind='flag', opts=('--dry-run',), default=False, required=False, positional=False),
            Param(dest='jobs', kind='int', opts=('--jobs', '-j'), default=1, required=False, positional=False),
            Param(dest='set_param', kind='multi', opts=('--set-param', '-S'), default=None, required=False, positional=False),
            Param(dest='name', kind='text', opts=('--name', '-n'), default=None, required=False, positional=False),
            Param(dest='message', kind='text', opts=('--message', '-m'), default=None, required=False, positional=False),
            Param(dest='best', kind='text', opts=('--best',), default=None, required=False, positional=False),
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('status',): Command(
        body='gitml.cli._pipelines_cmds:status',
        params=(
            Param(dest='targets', kind='args', opts=(), default=None, required=False, positional=True),
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('dag',): Command(
        body='gitml.cli._pipelines_cmds:dag',
        params=(
            Param(dest='targets', kind='args', opts=(), default=None, required=False, positional=True),
            Param(dest='fmt', kind='text', opts=('--format',), default='text', required=False, positional=False),
            Param(dest='status', kind='flag', opts=('--status',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('lineage',): Command(
        body='gitml.cli._pipelines_cmds:lineage',
        params=(
            Param(dest='target', kind='arg', opts=(), default=None, required=True, positional=True),
            Param(dest='direction', kind='text', opts=('--direction', '-d'), default='both', required=False, positional=False),
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('ui',): Command(
        body='gitml.cli._ui_cmds:ui',
        params=(
            Param(dest='port', kind='int', opts=('--port', '-p'), default=8765, required=False, positional=False),
            Param(dest='host', kind='text', opts=('--host',), default='127.0.0.1', required=False, positional=False),
            Param(dest='open_', kind='flag', opts=('--open',), default=False, required=False, positional=False),
            Param(dest='verbose', kind='flag', opts=('--verbose', '-v'), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('report',): Command(
        body='gitml.cli._ui_cmds:report',
        params=(
            Param(dest='runs', kind='args', opts=(), default=None, required=False, positional=True),
            Param(dest='where', kind='text', opts=('--where', '-w'), default=None, required=False, positional=False),
            Param(dest='all_', kind='flag', opts=('--all', '-a'), default=False, required=False, positional=False),
            Param(dest='output', kind='path', opts=('--output', '-o'), default='gitml-report.html', required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('data', 'add'): Command(
        body='gitml.cli._data_cmds:add',
        params=(
            Param(dest='paths', kind='args', opts=(), default=None, required=True, positional=True),
            Param(dest='name', kind='text', opts=('--name', '-n'), default=None, required=False, positional=False),
            Param(dest='no_profile', kind='flag', opts=('--no-profile',), default=False, required=False, positional=False),
            Param(dest='link', kind='text', opts=('--link',), default='auto', required=False, positional=False),
            Param(dest='jobs', kind='int', opts=('--jobs', '-j'), default=None, required=False, positional=False),
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('data', 'status'): Command(
        body='gitml.cli._data_cmds:status',
        params=(
            Param(dest='names', kind='args', opts=(), default=None, required=False, positional=True),
            Param(dest='jobs', kind='int', opts=('--jobs', '-j'), default=None, required=False, positional=False),
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('data', 'diff'): Command(
        body='gitml.cli._data_cmds:diff',
        params=(
            Param(dest='revs', kind='args', opts=(), default=None, required=False, positional=True),
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('data', 'checkout'): Command(
        body='gitml.cli._data_cmds:checkout',
        params=(
            Param(dest='paths', kind='args', opts=(), default=None, required=False, positional=True),
            Param(dest='force', kind='flag', opts=('--force', '-f'), default=False, required=False, positional=False),
            Param(dest='remote', kind='text', opts=('--remote', '-r'), default=None, required=False, positional=False),
            Param(dest='jobs', kind='int', opts=('--jobs', '-j'), default=None, required=False, positional=False),
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('data', 'push'): Command(
        body='gitml.cli._data_cmds:push',
        params=(
            Param(dest='remote', kind='text', opts=('--remote', '-r'), default=None, required=False, positional=False),
            Param(dest='jobs', kind='int', opts=('--jobs', '-j'), default=None, required=False, positional=False),
            Param(dest='verify', kind='flag', opts=('--verify',), default=False, required=False, positional=False),
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('data', 'pull'): Command(
        body='gitml.cli._data_cmds:pull',
        params=(
            Param(dest='names', kind='args', opts=(), default=None, required=False, positional=True),
            Param(dest='remote', kind='text', opts=('--remote', '-r'), default=None, required=False, positional=False),
            Param(dest='all_', kind='flag', opts=('--all', '-a'), default=False, required=False, positional=False),
            Param(dest='jobs', kind='int', opts=('--jobs', '-j'), default=None, required=False, positional=False),
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('data', 'ls'): Command(
        body='gitml.cli._data_cmds:ls',
        params=(
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('data', 'show'): Command(
        body='gitml.cli._data_cmds:show',
        params=(
            Param(dest='name', kind='arg', opts=(), default=None, required=True, positional=True),
            Param(dest='files', kind='flag', opts=('--files',), default=False, required=False, positional=False),
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('data', 'gc'): Command(
        body='gitml.cli._data_cmds:gc',
        params=(
            Param(dest='yes', kind='flag', opts=('--yes', '-y'), default=False, required=False, positional=False),
            Param(dest='keep_days', kind='float', opts=('--keep-days',), default=30.0, required=False, positional=False),
            Param(dest='all_commits', kind='flag', opts=('--all-commits',), default=False, required=False, positional=False),
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('data', 'remote', 'add'): Command(
        body='gitml.cli._data_remote_cmds:remote_add',
        params=(
            Param(dest='name', kind='arg', opts=(), default=None, required=True, positional=True),
            Param(dest='url', kind='arg', opts=(), default=None, required=True, positional=True),
            Param(dest='default', kind='flag', opts=('--default', '-d'), default=False, required=False, positional=False),
            Param(dest='endpoint_url', kind='text', opts=('--endpoint-url',), default=None, required=False, positional=False),
            Param(dest='region', kind='text', opts=('--region',), default=None, required=False, positional=False),
            Param(dest='profile', kind='text', opts=('--profile',), default=None, required=False, positional=False),
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('data', 'remote', 'ls'): Command(
        body='gitml.cli._data_remote_cmds:remote_ls',
        params=(
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('data', 'remote', 'rm'): Command(
        body='gitml.cli._data_remote_cmds:remote_rm',
        params=(
            Param(dest='name', kind='arg', opts=(), default=None, required=True, positional=True),
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('model', 'register'): Command(
        body='gitml.cli._model_cmds:register',
        params=(
            Param(dest='name', kind='arg', opts=(), default=None, required=True, positional=True),
            Param(dest='run', kind='text', opts=('--run', '-r'), default=None, required=True, positional=False),
            Param(dest='artifact', kind='path', opts=('--artifact', '-a'), default=None, required=False, positional=False),
            Param(dest='no_artifact', kind='flag', opts=('--no-artifact',), default=False, required=False, positional=False),
            Param(dest='version', kind='text', opts=('--version', '-v'), default=None, required=False, positional=False),
            Param(dest='description', kind='text', opts=('--description', '-d'), default=None, required=False, positional=False),
            Param(dest='tag', kind='multi', opts=('--tag', '-t'), default=None, required=False, positional=False),
            Param(dest='signature_from', kind='path', opts=('--signature-from',), default=None, required=False, positional=False),
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('model', 'ls'): Command(
        body='gitml.cli._model_cmds:ls',
        params=(
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('model', 'show'): Command(
        body='gitml.cli._model_cmds:show',
        params=(
            Param(dest='name', kind='arg', opts=(), default=None, required=True, positional=True),
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('model', 'history'): Command(
        body='gitml.cli._model_cmds:history',
        params=(
            Param(dest='name', kind='arg', opts=(), default=None, required=True, positional=True),
            Param(dest='stage', kind='text', opts=('--stage', '-s'), default=None, required=False, positional=False),
            Param(dest='as_of', kind='text', opts=('--as-of',), default=None, required=False, positional=False),
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('model', 'get'): Command(
        body='gitml.cli._model_cmds:get',
        params=(
            Param(dest='ref', kind='arg', opts=(), default=None, required=True, positional=True),
            Param(dest='to', kind='path', opts=('--to',), default=None, required=False, positional=False),
            Param(dest='fmt', kind='text', opts=('--format',), default='gitml', required=False, positional=False),
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('model', 'validate'): Command(
        body='gitml.cli._model_cmds:validate',
        params=(
            Param(dest='ref', kind='arg', opts=(), default=None, required=True, positional=True),
            Param(dest='data', kind='path', opts=('--data',), default=None, required=True, positional=False),
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('model', 'card'): Command(
        body='gitml.cli._model_cmds:card',
        params=(
            Param(dest='ref', kind='arg', opts=(), default=None, required=True, positional=True),
            Param(dest='fmt', kind='text', opts=('--format',), default='markdown', required=False, positional=False),
            Param(dest='output', kind='path', opts=('--output', '-o'), default=None, required=False, positional=False),
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('model', 'push'): Command(
        body='gitml.cli._model_cmds:push',
        params=(
            Param(dest='ref', kind='arg', opts=(), default=None, required=True, positional=True),
            Param(dest='remote', kind='text', opts=('--remote', '-r'), default=None, required=False, positional=False),
            Param(dest='verify', kind='flag', opts=('--verify',), default=False, required=False, positional=False),
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('registry', 'apply'): Command(
        body='gitml.cli._registry_cmds:apply',
        params=(
            Param(dest='push', kind='text', opts=('--push',), default=None, required=False, positional=False),
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
    ('registry', 'verify'): Command(
        body='gitml.cli._registry_cmds:verify',
        params=(
            Param(dest='rev', kind='text', opts=('--rev',), default=None, required=False, positional=False),
            Param(dest='json', kind='flag', opts=('--json',), default=False, required=False, positional=False),
        ),
        interspersed=True,
    ),
}

GROUPS: frozenset[tuple[str, ...]] = frozenset(
    {
        (),
        ('data',),
        ('data', 'remote'),
        ('model',),
        ('registry',),
    }
)

HELP: dict[tuple[str, ...], str] = {
    (): "Usage: git ml [OPTIONS] COMMAND [ARGS]...\n\n  gitml: experiment tracking, data versioning, a reviewed model registry and\n  monitoring, stored in your git repository.\n\nOptions:\n  --version   Print gitml's version and exit.\n  -h, --help  Show this message and exit.\n\nCommands:\n  init      Set this repository up for gitml (idempotent).\n  validate  Check gitml's tracked files (.gitml/*.toml) against their...\n  run       Run a command in the working tree and record it as a run...\n  ls        List runs as a table, newest first (or as a JSON array with...\n  show      Show everything about one run, with a summary of each...\n  compare   Compare runs side by side: params that differ, metrics with...\n  relink    Attach runs of rebased, cherry-picked or squash-merged...\n  rerun     Rerun a recorded run from its code checkpoint, input data and...\n  demo      Build a throwaway repository and walk through what gitml...\n  pull      Fetch gitml records from REMOTE and merge them into the local...\n  push      Push local gitml records to REMOTE (fast-forward, atomic;...\n  sync      Pull, then push: afterwards REMOTE and this clone hold the...\n  fetch     Fetch gitml records into refs/remotes/REMOTE/gitml/* without...\n  promote   Assign VERSION of model NAME to STAGE in .gitml/stages.toml...\n  demote    Remove VERSION of model NAME from STAGE in .gitml/stages.toml.\n  archive   Take VERSION of model NAME out of every stage and into the...\n  monitor   Compare serving data with the training profile; exit 2 on an...\n  scan      Pre-promotion checks of a model callable; exit 2 on an alert.\n  check     Check gitml files, records, large files and promotions...\n  repro     Run the stale stages of dvc.yaml in order; restore cached...\n  status    Which pipeline stages are stale and why (changed dependency,...\n  dag       Print the pipeline's stage graph (text, Mermaid or Graphviz...\n  lineage   Walk the lineage graph: runs linked by the digests they read...\n  ui        Serve a local, read-only web app over this repository's runs,...\n  report    Write one self-contained HTML report (charts included, opens...\n  data      Version data files and folders next to your code (add,...\n  model     Registered model versions: register, list, show, history, get...\n  registry  The applied stage-event log on refs/gitml/registry (CI side).\n",
    ('init',): 'Usage: git ml init [OPTIONS]\n\n  Set this repository up for gitml (idempotent).\n\nOptions:\n  --hooks     Install git hook shims (chains existing hooks).\n  --json      Print machine-readable JSON on stdout.\n  -h, --help  Show this message and exit.\n',
    ('hook',): 'Usage: git ml hook [OPTIONS] {name} [args]...\n\n  Entry point of the installed git hook shims (not for direct use).\n\nArguments:\n  name     The git hook being run (pre-commit, pre-push, post-rewrite).\n           [required]\n  args...  Arguments git passed to the hook.\n\nOptions:\n  -h, --help  Show this message and exit.\n',
    ('validate',): "Usage: git ml validate [OPTIONS] [files]...\n\n  Check gitml's tracked files (.gitml/*.toml) against their JSON Schemas.\n\nArguments:\n  files...  Files to check (default: every gitml file under .gitml/).\n\nOptions:\n  --json      Print machine-readable JSON on stdout.\n  -h, --help  Show this message and exit.\n",
    ('run',): "Usage: git ml run [OPTIONS] [command]...\n\n  Run a command in the working tree and record it as a run (code, params,\n  metrics, env).\n\nArguments:\n  command...  The command to run, after `--` (e.g. -- python train.py).\n\nOptions:\n  -n, --name <str>       A name for the run (default: adjective-noun).\n  -m, --message <str>    A note about why you ran it.\n  -t, --tag <str>        A tag KEY=VALUE (repeatable).\n  -S, --set-param <str>  Override a param in its params file for this run:\n                         [FILE:]KEY=VALUE; VALUE1,VALUE2,... runs a sweep over\n                         the grid (repeatable).\n  -P, --param <str>      Record an ad-hoc param KEY=VALUE (repeatable).\n  -M, --metrics <str>    A metrics file the command writes\n                         (JSON/YAML/TOML/CSV).\n  --params-file <str>    An extra params file to read (repeatable).\n  -i, --input <str>      An input file or folder to record the digest of.\n  -o, --output <str>     An output file or folder to record the digest of.\n  -j, --jobs <int>       Sweep members to run at once, each in a temporary\n                         worktree.  [default: 1]\n  --best <str>           Metric that picks a sweep's best run: NAME, max:NAME\n                         or min:NAME (default: guessed from the name).\n  -h, --help             Show this message and exit.\n",
    ('ls',): 'Usage: git ml ls [OPTIONS]\n\n  List runs as a table, newest first (or as a JSON array with --json).\n\nOptions:\n  -w, --where <str>    Filter, e.g. "metrics.acc > 0.9 and params.lr = 0.01"\n                       (MLflow syntax and more).\n  -s, --sort <str>     Sort key, \'-\' for descending, e.g. -metrics.acc\n                       (repeatable).\n  -n, --limit <int>    Show at most this many runs (0: all).  [default: 20]\n  -c, --columns <str>  Comma-separated columns, e.g.\n                       id,name,metrics.acc,params.lr.\n  -b, --branch <str>   Runs recorded on this branch (default: current).\n  -a, --all            Runs of every branch.\n  --commit <str>       Runs made on this commit, or on commits it replaced\n                       (amend, rebase, squash).\n  --json               Print machine-readable JSON on stdout.\n  -h, --help           Show this message and exit.\n',
    ('show',): "Usage: git ml show [OPTIONS] {RUN}\n\n  Show everything about one run, with a summary of each metric's history and\n  its reruns.\n\nArguments:\n  RUN  Run id, unique id prefix or name.  [required]\n\nOptions:\n  --json      Print machine-readable JSON on stdout.\n  -h, --help  Show this message and exit.\n",
    ('compare',): 'Usage: git ml compare [OPTIONS] {RUN...}\n\n  Compare runs side by side: params that differ, metrics with deltas, data,\n  code.\n\nArguments:\n  RUN...  Two or more run ids, prefixes or names.  [required]\n\nOptions:\n  --all-params  Also list params that are the same.\n  --json        Print machine-readable JSON on stdout.\n  -h, --help    Show this message and exit.\n',
    ('relink',): 'Usage: git ml relink [OPTIONS]\n\n  Attach runs of rebased, cherry-picked or squash-merged commits to their new\n  commits.\n\nOptions:\n  --head <str>   The history to attach runs to (default: HEAD).  [default:\n                 HEAD]\n  --depth <int>  How many first-parent commits of HEAD to search.  [default:\n                 200]\n  --dry-run      Only show the links that would be recorded.\n  --json         Print machine-readable JSON on stdout.\n  -h, --help     Show this message and exit.\n',
    ('rerun',): "Usage: git ml rerun [OPTIONS] [RUN]\n\n  Rerun a recorded run from its code checkpoint, input data and params, and\n  prove the result.\n\n  The rerun happens in a temporary worktree (your files, index and HEAD are\n  untouched), is recorded as a new run whose parent is RUN, and gets a\n  verdict: reproduced (exit 0), differs (exit 1) or failed (the command's exit\n  code).\n\nArguments:\n  RUN  The run to reproduce: id, unique id prefix or name.\n\nOptions:\n  --since REV                     Rerun the completed runs made on commits in\n                                  REV..HEAD (oldest first).\n  --sweep ID                      Rerun the completed runs of this sweep (id\n                                  or prefix).\n  --in DIR                        Rerun in a worktree at DIR (new or empty)\n                                  and keep it; with --since or --sweep, one\n                                  folder per run under DIR.\n  -T, --tolerance REL|METRIC=REL  Relative tolerance of the metric comparison:\n                                  REL for every metric (default 1e-6) or\n                                  METRIC=REL (repeatable).\n  -S, --set KEY=VALUE             What-if: change a param for this rerun,\n                                  [FILE:]KEY=VALUE (repeatable); such a rerun\n                                  is never 'reproduced'.\n  --dry-run                       Show what would be rerun, and whether it can\n                                  be, then stop.\n  --json                          Print machine-readable JSON on stdout.\n  -h, --help                      Show this message and exit.\n",
    ('demo',): 'Usage: git ml demo [OPTIONS] [directory]\n\n  Build a throwaway repository and walk through what gitml does, printing each\n  command.\n\nArguments:\n  directory  Folder to build the demo repository in (default: a new temporary\n             folder).\n\nOptions:\n  -h, --help  Show this message and exit.\n',
    ('pull',): 'Usage: git ml pull [OPTIONS] [remote]\n\n  Fetch gitml records from REMOTE and merge them into the local ones.\n\nArguments:\n  remote  The git remote to exchange records with.  [default: origin]\n\nOptions:\n  --json      Print machine-readable JSON on stdout.\n  -h, --help  Show this message and exit.\n',
    ('push',): 'Usage: git ml push [OPTIONS] [remote]\n\n  Push local gitml records to REMOTE (fast-forward, atomic; merges and retries\n  if others pushed).\n\nArguments:\n  remote  The git remote to exchange records with.  [default: origin]\n\nOptions:\n  --no-data   Do not push data to the default data remote before the records.\n  --json      Print machine-readable JSON on stdout.\n  -h, --help  Show this message and exit.\n',
    ('sync',): 'Usage: git ml sync [OPTIONS] [remote]\n\n  Pull, then push: afterwards REMOTE and this clone hold the same records.\n\nArguments:\n  remote  The git remote to exchange records with.  [default: origin]\n\nOptions:\n  --no-data   Do not push data to the default data remote before the records.\n  --json      Print machine-readable JSON on stdout.\n  -h, --help  Show this message and exit.\n',
    ('fetch',): 'Usage: git ml fetch [OPTIONS] [remote]\n\n  Fetch gitml records into refs/remotes/REMOTE/gitml/* without touching local\n  records.\n\nArguments:\n  remote  The git remote to exchange records with.  [default: origin]\n\nOptions:\n  --ci        Also unshallow the clone and merge the records in (fresh CI\n              checkouts).\n  --json      Print machine-readable JSON on stdout.\n  -h, --help  Show this message and exit.\n',
    ('promote',): 'Usage: git ml promote [OPTIONS] {name} {version} {stage}\n\n  Assign VERSION of model NAME to STAGE in .gitml/stages.toml (checked first).\n\nArguments:\n  name     The model name.  [required]\n  version  The version (e.g. 1.4.0 or 3).  [required]\n  stage    The stage (e.g. staging, production).  [required]\n\nOptions:\n  -b, --branch         Commit the change on a new branch (work tree untouched)\n                       and print a pull-request body.\n  --branch-name <str>  Name of that branch (implies --branch; default\n                       promote/NAME-VERSION-STAGE).\n  --direct             Commit on the default branch and apply at once (only\n                       where .gitml/policy.toml sets allow_direct).\n  --json               Print machine-readable JSON on stdout.\n  -h, --help           Show this message and exit.\n',
    ('demote',): 'Usage: git ml demote [OPTIONS] {name} {version} {stage}\n\n  Remove VERSION of model NAME from STAGE in .gitml/stages.toml.\n\nArguments:\n  name     The model name.  [required]\n  version  The version (e.g. 1.4.0 or 3).  [required]\n  stage    The stage VERSION leaves.  [required]\n\nOptions:\n  -b, --branch         Commit the change on a new branch (work tree untouched)\n                       and print a pull-request body.\n  --branch-name <str>  Name of that branch (implies --branch; default\n                       promote/NAME-VERSION-STAGE).\n  --direct             Commit on the default branch and apply at once (only\n                       where .gitml/policy.toml sets allow_direct).\n  --json               Print machine-readable JSON on stdout.\n  -h, --help           Show this message and exit.\n',
    ('archive',): 'Usage: git ml archive [OPTIONS] {name} {version}\n\n  Take VERSION of model NAME out of every stage and into the archived stage.\n\nArguments:\n  name     The model name.  [required]\n  version  The version (e.g. 1.4.0 or 3).  [required]\n\nOptions:\n  -b, --branch         Commit the change on a new branch (work tree untouched)\n                       and print a pull-request body.\n  --branch-name <str>  Name of that branch (implies --branch; default\n                       promote/NAME-VERSION-STAGE).\n  --direct             Commit on the default branch and apply at once (only\n                       where .gitml/policy.toml sets allow_direct).\n  --json               Print machine-readable JSON on stdout.\n  -h, --help           Show this message and exit.\n',
    ('monitor',): "Usage: git ml monitor [OPTIONS] {target} [model]\n\n  Compare serving data with the training profile; exit 2 on an alert.\n\n  Reports schema skew (missing, new and retyped columns, unseen categories,\n  null rates), feature and prediction drift, and performance against the\n  version's metrics when --label is given. Thresholds come from [monitor] in\n  .gitml/policy.toml. `git ml monitor log MODEL` lists stored reports.\n\nArguments:\n  target  MODEL[@STAGE|:VERSION] (default: the latest version), or `log`.\n          [required]\n  model   With `log`: the model whose reports to list.\n\nOptions:\n  -d, --data <path>       Serving data: CSV, TSV, Parquet or JSON lines.\n  -p, --prediction <str>  The prediction column.\n  -l, --label <str>       The label column (performance vs training metrics).\n  -r, --reference <path>  Compare with this data file or stored profile\n                          instead of the version's training data.\n  --format <str>          Human output: table or markdown.  [default: table]\n  -a, --all               Show every finding, not only alerts and the top 20.\n  --no-save               Do not store the report on refs/gitml/monitor.\n  --json                  Print machine-readable JSON on stdout.\n  -h, --help              Show this message and exit.\n",
    ('scan',): 'Usage: git ml scan [OPTIONS] {target}\n\n  Pre-promotion checks of a model callable; exit 2 on an alert.\n\n  Determinism (predict twice), batch vs single-row consistency, slices (>= 20\n  rows) whose performance drops more than 5 %, and overconfidence when\n  probabilities are returned.\n\nArguments:\n  target  MODEL:VERSION (or MODEL@STAGE) to scan.  [required]\n\nOptions:\n  -d, --data <path>  Serving data: CSV, TSV, Parquet or JSON lines.\n  --predict <str>    MODULE:FUNC called with a list of row dicts; returns one\n                     prediction (or positive-class probability) per row.\n  -l, --label <str>  The label column (slices, confidence).\n  --format <str>     Human output: table or markdown.  [default: table]\n  -a, --all          Show every finding, not only alerts and the top 20.\n  --no-save          Do not store the report on refs/gitml/monitor.\n  --json             Print machine-readable JSON on stdout.\n  -h, --help         Show this message and exit.\n',
    ('check',): "Usage: git ml check [OPTIONS] [files]...\n\n  Check gitml files, records, large files and promotions against\n  .gitml/policy.toml.\n\nArguments:\n  files...  With --staged: the files pre-commit passes (with --all-files they\n            include .gitml/stages.toml, which is then judged as committed).\n\nOptions:\n  --staged        Check the staged change (pre-commit).\n  --base <str>    Check everything in BASE..HEAD (a pull request).\n  --push          Check what a push sends (pre-push; reads git's pre-push\n                  lines on stdin when present).\n  --all           Check every gitml file and record, and the registry log.\n  --format <str>  text or markdown (a PR comment / $GITHUB_STEP_SUMMARY).\n                  [default: text]\n  --self-test     Validate gitml's shipped schemas and resources.\n  --json          Print machine-readable JSON on stdout.\n  -h, --help      Show this message and exit.\n",
    ('repro',): "Usage: git ml repro [OPTIONS] [STAGE]...\n\n  Run the stale stages of dvc.yaml in order; restore cached ones; write\n  dvc.lock.\n\nArguments:\n  [STAGE]...  Stages (NAME, FILE:NAME, a foreach group or a dvc.yaml);\n              default: all.\n\nOptions:\n  -f, --force            Run every planned stage, even up-to-date ones.\n  -s, --single-item      Only the named stages, not their upstream.\n  --downstream           The named stages and every stage that depends on\n                         them.\n  --dry-run              Show what would run or be restored; change nothing.\n  -j, --jobs <int>       Independent stages to run at once (a sweep: members\n                         at once, each in a worktree).  [default: 1]\n  -S, --set-param <str>  Override a param for this repro: [FILE:]KEY=VALUE;\n                         VALUE1,VALUE2 sweeps.\n  -n, --name <str>       A name for the pipeline run.\n  -m, --message <str>    A note about why you ran it.\n  --best <str>           Metric that picks a sweep's best run: NAME, max:NAME,\n                         min:NAME.\n  --json                 Print machine-readable JSON on stdout.\n  -h, --help             Show this message and exit.\n",
    ('status',): 'Usage: git ml status [OPTIONS] [STAGE]...\n\n  Which pipeline stages are stale and why (changed dependency, param, command,\n  output).\n\nArguments:\n  [STAGE]...  Stages (NAME, FILE:NAME, a foreach group or a dvc.yaml);\n              default: all.\n\nOptions:\n  --json      Print machine-readable JSON on stdout.\n  -h, --help  Show this message and exit.\n',
    ('dag',): "Usage: git ml dag [OPTIONS] [STAGE]...\n\n  Print the pipeline's stage graph (text, Mermaid or Graphviz DOT).\n\nArguments:\n  [STAGE]...  Stages (NAME, FILE:NAME, a foreach group or a dvc.yaml);\n              default: all.\n\nOptions:\n  --format <str>  text, mermaid or dot.  [default: text]\n  --status        Label each stage with its state.\n  -h, --help      Show this message and exit.\n",
    ('lineage',): 'Usage: git ml lineage [OPTIONS] {RUN|MODEL@STAGE|MODEL:VERSION|DATASET|PATH}\n\n  Walk the lineage graph: runs linked by the digests they read and wrote.\n\nArguments:\n  RUN|MODEL@STAGE|MODEL:VERSION|DATASET|PATH\n                                  A run (id, prefix, name), a model version, a\n                                  dataset name or a path.  [required]\n\nOptions:\n  -d, --direction <str>  up (where it came from), down (what came of it) or\n                         both.  [default: both]\n  --json                 Print machine-readable JSON on stdout.\n  -h, --help             Show this message and exit.\n',
    ('ui',): "Usage: git ml ui [OPTIONS]\n\n  Serve a local, read-only web app over this repository's runs, data and\n  models.\n\nOptions:\n  -p, --port <int>  Port to listen on (0: any free port).  [default: 8765]\n  --host <str>      Address to bind. Anything but 127.0.0.1 exposes your\n                    records to the network.  [default: 127.0.0.1]\n  --open            Open the app in the default web browser.\n  -v, --verbose     Log every request on stderr.\n  -h, --help        Show this message and exit.\n",
    ('report',): 'Usage: git ml report [OPTIONS] [runs]...\n\n  Write one self-contained HTML report (charts included, opens with no\n  network).\n\nArguments:\n  runs...  Runs to report: ids, id prefixes or names, or model versions\n           (NAME:VERSION, NAME@STAGE) for the runs they were registered from.\n\nOptions:\n  -w, --where <str>    Report the runs matching a query, e.g. "sweep = \'…\'".\n  -a, --all            With --where: search runs of every branch.\n  -o, --output <path>  The HTML file to write.  [default: gitml-report.html]\n  -h, --help           Show this message and exit.\n',
    ('data',): "Usage: git ml data [OPTIONS] COMMAND [ARGS]...\n\n  Version data files and folders next to your code (add, status, diff,\n  checkout, push, pull, gc, remote).\n\nOptions:\n  -h, --help  Show this message and exit.\n\nCommands:\n  add       Hash PATHs into the cache, record a manifest and write a...\n  status    Show files added, modified or deleted in each dataset since...\n  diff      List data files added, deleted and modified between two...\n  checkout  Restore the data the current commit's pointers name, from the...\n  push      Upload the current data and everything records reference to a...\n  pull      Download the data the pointers name, then restore files...\n  ls        List the datasets of this commit (from the pointer files).\n  show      Show a dataset's manifest and the profiles of its tabular files.\n  gc        Remove cached data that no branch, tag, recent commit or run...\n  remote    Manage data remotes: where cached data is shared (a folder or...\n",
    ('data', 'add'): 'Usage: git ml data add [OPTIONS] {paths}...\n\n  Hash PATHs into the cache, record a manifest and write a pointer file per\n  dataset.\n\nArguments:\n  paths...  Data files or folders to version.  [required]\n\nOptions:\n  -n, --name <str>  Dataset name (default: the last part of PATH).\n  --no-profile      Do not profile CSV/Parquet/JSON-lines files.\n  --link <str>      How content enters the cache: auto (reflink, else a read-\n                    only hard link, else a copy; no hard links for root),\n                    hardlink (hard links for root too), reflink (reflink, else\n                    copy) or copy.  [default: auto]\n  -j, --jobs <int>  Parallel workers (default: CPUs for hashing, 8 for\n                    transfers).\n  --json            Print machine-readable JSON on stdout.\n  -h, --help        Show this message and exit.\n',
    ('data', 'status'): "Usage: git ml data status [OPTIONS] [names]...\n\n  Show files added, modified or deleted in each dataset since its pointer's\n  version.\n\nArguments:\n  names...  Datasets (names or paths) to check; default: all.\n\nOptions:\n  -j, --jobs <int>  Parallel workers (default: CPUs for hashing, 8 for\n                    transfers).\n  --json            Print machine-readable JSON on stdout.\n  -h, --help        Show this message and exit.\n",
    ('data', 'diff'): 'Usage: git ml data diff [OPTIONS] [revs]...\n\n  List data files added, deleted and modified between two commits (with\n  sizes).\n\nArguments:\n  revs...  [OLD [NEW]]: commits to compare (default: HEAD against the work\n           tree).\n\nOptions:\n  --json      Print machine-readable JSON on stdout.\n  -h, --help  Show this message and exit.\n',
    ('data', 'checkout'): "Usage: git ml data checkout [OPTIONS] [paths]...\n\n  Restore the data the current commit's pointers name, from the cache or the\n  data remote.\n\nArguments:\n  paths...  Datasets (names or paths) or paths inside them; default: all.\n\nOptions:\n  -f, --force         Overwrite data changes that were never added (their\n                      content is kept in the cache).\n  -r, --remote <str>  The data remote to use (default: the default remote).\n  -j, --jobs <int>    Parallel workers (default: CPUs for hashing, 8 for\n                      transfers).\n  --json              Print machine-readable JSON on stdout.\n  -h, --help          Show this message and exit.\n",
    ('data', 'push'): 'Usage: git ml data push [OPTIONS]\n\n  Upload the current data and everything records reference to a data remote.\n\nOptions:\n  -r, --remote <str>  The data remote to use (default: the default remote).\n  -j, --jobs <int>    Parallel workers (default: CPUs for hashing, 8 for\n                      transfers).\n  --verify            Re-hash what the remote holds for these objects and\n                      replace corrupt ones.\n  --json              Print machine-readable JSON on stdout.\n  -h, --help          Show this message and exit.\n',
    ('data', 'pull'): 'Usage: git ml data pull [OPTIONS] [names]...\n\n  Download the data the pointers name, then restore files missing from the\n  work tree.\n\nArguments:\n  names...  Datasets (names or paths) to pull; default: all in the pointers.\n\nOptions:\n  -r, --remote <str>  The data remote to use (default: the default remote).\n  -a, --all           Also pull every version that records reference.\n  -j, --jobs <int>    Parallel workers (default: CPUs for hashing, 8 for\n                      transfers).\n  --json              Print machine-readable JSON on stdout.\n  -h, --help          Show this message and exit.\n',
    ('data', 'ls'): 'Usage: git ml data ls [OPTIONS]\n\n  List the datasets of this commit (from the pointer files).\n\nOptions:\n  --json      Print machine-readable JSON on stdout.\n  -h, --help  Show this message and exit.\n',
    ('data', 'show'): "Usage: git ml data show [OPTIONS] {name}\n\n  Show a dataset's manifest and the profiles of its tabular files.\n\nArguments:\n  name  The dataset's name or path.  [required]\n\nOptions:\n  --files     Also list every file.\n  --json      Print machine-readable JSON on stdout.\n  -h, --help  Show this message and exit.\n",
    ('data', 'gc'): 'Usage: git ml data gc [OPTIONS]\n\n  Remove cached data that no branch, tag, recent commit or run refers to.\n\nOptions:\n  -y, --yes            Delete the objects (default: only report).\n  --keep-days <float>  Keep the data of commits and records from this many\n                       days.  [default: 30.0]\n  --all-commits        Keep the data of every commit, however old.\n  --json               Print machine-readable JSON on stdout.\n  -h, --help           Show this message and exit.\n',
    ('data', 'remote'): 'Usage: git ml data remote [OPTIONS] COMMAND [ARGS]...\n\n  Manage data remotes: where cached data is shared (a folder or\n  s3://bucket/prefix).\n\nOptions:\n  -h, --help  Show this message and exit.\n\nCommands:\n  add  Add a data remote to .gitml/config.toml.\n  ls   List data remotes (the default one is marked).\n  rm   Remove a data remote from .gitml/config.toml (its data is left...\n',
    ('data', 'remote', 'add'): "Usage: git ml data remote add [OPTIONS] {name} {url}\n\n  Add a data remote to .gitml/config.toml.\n\nArguments:\n  name  A name for the remote, e.g. store.  [required]\n  url   A folder (relative paths are kept relative to the repository),\n        file:///path or s3://bucket/prefix.  [required]\n\nOptions:\n  -d, --default         Make it the default data remote.\n  --endpoint-url <str>  S3: the endpoint of an S3-compatible server.\n  --region <str>        S3: the bucket's region.\n  --profile <str>       S3: the AWS profile to take credentials from.\n  --json                Print machine-readable JSON on stdout.\n  -h, --help            Show this message and exit.\n",
    ('data', 'remote', 'ls'): 'Usage: git ml data remote ls [OPTIONS]\n\n  List data remotes (the default one is marked).\n\nOptions:\n  --json      Print machine-readable JSON on stdout.\n  -h, --help  Show this message and exit.\n',
    ('data', 'remote', 'rm'): 'Usage: git ml data remote rm [OPTIONS] {name}\n\n  Remove a data remote from .gitml/config.toml (its data is left alone).\n\nArguments:\n  name  The data remote to remove.  [required]\n\nOptions:\n  --json      Print machine-readable JSON on stdout.\n  -h, --help  Show this message and exit.\n',
    ('model',): "Usage: git ml model [OPTIONS] COMMAND [ARGS]...\n\n  Registered model versions: register, list, show, history, get packages,\n  validate input and write model cards.\n\nOptions:\n  -h, --help  Show this message and exit.\n\nCommands:\n  register  Register a version of model NAME from a run (code, params,...\n  ls        List registered models with their latest version and applied...\n  show      Show a model: applied stages, and every version with its run,...\n  history   Registrations and stage changes of a model: what, who, when...\n  get       Print the path of a version's artifact, verified; with --to,...\n  validate  Check input data against a model's signature: missing, extra,...\n  card      A model card: description, lineage, metrics, environment,...\n  push      Upload artifacts to the data remote, so other clones and...\n",
    ('model', 'register'): "Usage: git ml model register [OPTIONS] {name}\n\n  Register a version of model NAME from a run (code, params, metrics, data,\n  artifact).\n\nArguments:\n  name  The model name.  [required]\n\nOptions:\n  -r, --run <str>          The run (id, unique id prefix or name).  [required]\n  -a, --artifact <path>    The run's output to register (a path, a file in a\n                           folder output, or a copy of it); default: the file\n                           log_model named, else the run's single output.\n  --no-artifact            Register a version without a model file (lineage\n                           only).\n  -v, --version <str>      SemVer (1.4.0) or integer version (default: the\n                           next one).\n  -d, --description <str>  What this version is.\n  -t, --tag <str>          A tag KEY=VALUE (repeatable).\n  --signature-from <path>  Infer the input signature from this example data\n                           file (CSV, Parquet, JSONL) or read it from a\n                           signature .json.\n  --json                   Print machine-readable JSON on stdout.\n  -h, --help               Show this message and exit.\n",
    ('model', 'ls'): 'Usage: git ml model ls [OPTIONS]\n\n  List registered models with their latest version and applied stages.\n\nOptions:\n  --json      Print machine-readable JSON on stdout.\n  -h, --help  Show this message and exit.\n',
    ('model', 'show'): 'Usage: git ml model show [OPTIONS] {name}\n\n  Show a model: applied stages, and every version with its run, code, data and\n  artifact.\n\nArguments:\n  name  The model name.  [required]\n\nOptions:\n  --json      Print machine-readable JSON on stdout.\n  -h, --help  Show this message and exit.\n',
    ('model', 'history'): 'Usage: git ml model history [OPTIONS] {name}\n\n  Registrations and stage changes of a model: what, who, when and from which\n  commit.\n\nArguments:\n  name  The model name.  [required]\n\nOptions:\n  -s, --stage <str>  Only the events of this stage.\n  --as-of <str>      Only what had happened by this date or time (UTC unless\n                     given).\n  --json             Print machine-readable JSON on stdout.\n  -h, --help         Show this message and exit.\n',
    ('model', 'get'): "Usage: git ml model get [OPTIONS] {ref}\n\n  Print the path of a version's artifact, verified; with --to, write a model\n  package.\n\nArguments:\n  ref  NAME@STAGE, NAME:VERSION or NAME (the latest version).  [required]\n\nOptions:\n  --to <path>     Write a package here: the artifact and gitml-model.toml (+\n                  MLmodel).\n  --format <str>  Package format with --to: gitml or mlflow (adds MLmodel).\n                  [default: gitml]\n  --json          Print machine-readable JSON on stdout.\n  -h, --help      Show this message and exit.\n",
    ('model', 'validate'): "Usage: git ml model validate [OPTIONS] {ref}\n\n  Check input data against a model's signature: missing, extra, mistyped, out\n  of range.\n\nArguments:\n  ref  NAME@STAGE, NAME:VERSION, NAME, or a package folder (--to DIR).\n       [required]\n\nOptions:\n  --data <path>  The input data to check (CSV, Parquet, JSONL).  [required]\n  --json         Print machine-readable JSON on stdout.\n  -h, --help     Show this message and exit.\n",
    ('model', 'card'): 'Usage: git ml model card [OPTIONS] {ref}\n\n  A model card: description, lineage, metrics, environment, promotions,\n  monitoring.\n\nArguments:\n  ref  NAME:VERSION, NAME@STAGE or NAME (latest).  [required]\n\nOptions:\n  --format <str>       markdown or html.  [default: markdown]\n  -o, --output <path>  Write the card to this file.\n  --json               Print machine-readable JSON on stdout.\n  -h, --help           Show this message and exit.\n',
    ('model', 'push'): 'Usage: git ml model push [OPTIONS] {ref}\n\n  Upload artifacts to the data remote, so other clones and deployments can get\n  them.\n\nArguments:\n  ref  NAME (every version), NAME:VERSION or NAME@STAGE.  [required]\n\nOptions:\n  -r, --remote <str>  The data remote (default: the configured one).\n  --verify            Re-hash what the remote holds for these artifacts and\n                      replace corrupt ones.\n  --json              Print machine-readable JSON on stdout.\n  -h, --help          Show this message and exit.\n',
    ('registry',): "Usage: git ml registry [OPTIONS] COMMAND [ARGS]...\n\n  The applied stage-event log on refs/gitml/registry (CI side).\n\nOptions:\n  -h, --help  Show this message and exit.\n\nCommands:\n  apply   Record every change of .gitml/stages.toml on the default branch...\n  verify  Check that the applied log matches the default branch's...\n",
    ('registry', 'apply'): 'Usage: git ml registry apply [OPTIONS]\n\n  Record every change of .gitml/stages.toml on the default branch as stage\n  events.\n\nOptions:\n  --push <str>  Pull gitml records from this git remote first and push them\n                afterwards.\n  --json        Print machine-readable JSON on stdout.\n  -h, --help    Show this message and exit.\n',
    ('registry', 'verify'): "Usage: git ml registry verify [OPTIONS]\n\n  Check that the applied log matches the default branch's .gitml/stages.toml\n  history.\n\nOptions:\n  --rev <str>  Verify against this commit instead of the default branch.\n  --json       Print machine-readable JSON on stdout.\n  -h, --help   Show this message and exit.\n",
}
