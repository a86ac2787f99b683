using Cltool.Cli;

return CltoolApp.Create(CltoolApp.CreateConsole()).Run(args);
