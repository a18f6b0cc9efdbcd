using Purple.Cmd;
using Purple.Cmd.Common;

return await PurpleCli.RunAsync(args, CliConsole.FromProcess()).ConfigureAwait(false);
