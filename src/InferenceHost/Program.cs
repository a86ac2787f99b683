using Cltool.InferenceHost.CommandLine;
using Spectre.Console.Cli;

// The standalone inference host: the same server and the same options as `cltool serve` (ServeSettings), without
// libtorch or the rest of the CLI around it.
var app = new CommandApp<ServeCommand>();
app.Configure(config => CommandLineConsole.Configure(config, "cltool-host", CommandLineConsole.Create()));
return await app.RunAsync(args);
