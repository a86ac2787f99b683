using Cltool.Core.Continual;
using Cltool.Core.Errors;
using Cltool.Core.Imaging;
using Cltool.Core.IO;
using Cltool.Core.Models;
using Cltool.Core.Weights;

namespace Cltool.Trainer.Continual;

/// <summary>The pretrained backbone a run starts every task from, with the preprocessing its inputs need.</summary>
public sealed record BaseModel(ViTConfig Config, Preprocessing Preprocessing, Dictionary<string, HostTensor> Weights, string Sha256)
{
    /// <summary>
    /// A cltool model file carries its config and preprocessing; a timm or Hugging Face file needs the recipe's
    /// <c>model</c> preset and gets timm's preprocessing unless the recipe names another.
    /// </summary>
    public static BaseModel Load(TrainRecipe recipe)
    {
        string path = BuiltInModels.Resolve(recipe.Base);
        if (!File.Exists(path)) throw CltoolException.MissingFile("Base model", path);
        ViTConfig config;
        Preprocessing own;
        Dictionary<string, HostTensor> weights;
        if (recipe.Model is null)
        {
            ModelFile file = ModelFile.Load(path, withHead: false);
            (config, own, weights) = (file.Config, file.Preprocessing, file.Weights);
        }
        else
        {
            config = ViTConfig.Preset(recipe.Model).WithClasses(0);
            own = Preprocessing.Timm(config.ImageSize);
            weights = ViTWeights.Load(path, config);
        }
        Preprocessing preprocessing = recipe.Preprocessing switch
        {
            "sdlora-official" => Preprocessing.SdLoraOfficial(config.ImageSize),
            "timm" => Preprocessing.Timm(config.ImageSize),
            "native" => Preprocessing.Native(config.ImageSize),
            _ => own,
        };
        return new BaseModel(config, preprocessing, weights, FileHash.Sha256(path));
    }
}
