using Cltool.Cli.Infrastructure;
using Cltool.Core.Models;
using Cltool.Trainer.Pretraining;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

public sealed class PretrainCommand(IAnsiConsole console) : Command<PretrainSettings>
{
    public override int Execute(CommandContext context, PretrainSettings settings, CancellationToken cancellationToken)
    {
        PretrainRecipe recipe = settings.ToRecipe().Validate();
        ModelCard card = TrainingProgress.Run(console, observer =>
            new Pretrainer(recipe, settings.Out!, observer, settings.Workers).Run(settings.Resume, settings.Device, cancellationToken));
        string path = Path.Combine(settings.Out!, card.File);
        console.MarkupLineInterpolated(
            $"wrote [bold]{path}[/] ({card.Bytes / 1e6:F1} MB, {card.Parameters:N0} parameters), held-out accuracy [bold]{card.HeldOutAccuracy:P2}[/] on {card.HeldOutImages} images");
        return 0;
    }
}
