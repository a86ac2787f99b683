using System.ComponentModel;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

public sealed class MethodsSettings : CommandSettings
{
    [CommandOption("--json")]
    [Description("Print the catalog as JSON (name, family, what trains, head, options, summary).")]
    public bool Json { get; init; }
}
