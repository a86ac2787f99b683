using Cltool.Cli;
using Cltool.InferenceHost.CommandLine;

return CltoolApp.Create(CommandLineConsole.Create()).Run(args);
