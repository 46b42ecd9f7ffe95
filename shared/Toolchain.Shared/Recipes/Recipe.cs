namespace Toolchain.Recipes;

/// <summary>
/// A training recipe, as written in models/&lt;name&gt;/recipe.yaml: what to train on, the model, the
/// loss, the optimizer and the loop settings. Keys are snake_case in YAML.
/// </summary>
public sealed class Recipe
{
    public string Name { get; set; } = "";
    public string Description { get; set; } = "";
    public DataSection Data { get; set; } = new();
    public ModelSection Model { get; set; } = new();
    public LossSection Loss { get; set; } = new();
    public OptimizerSection Optimizer { get; set; } = new();
    public ScheduleSection Schedule { get; set; } = new();
    public RegularizationSection Regularization { get; set; } = new();
    public ClippingSection Clipping { get; set; } = new();
    public TrainingSection Training { get; set; } = new();
}

/// <summary>Penalties added to the training loss: l1·Σ|w| + l2·Σw² over weights (and biases when asked).</summary>
public sealed class RegularizationSection
{
    public double L1 { get; set; }
    public double L2 { get; set; }
    public bool ApplyToBiases { get; set; }
}

/// <summary>Gradient clipping inside the optimizer graph; 0 turns a kind off.</summary>
public sealed class ClippingSection
{
    /// <summary>Clip each gradient element to [−value, value].</summary>
    public double Value { get; set; }
    /// <summary>Scale all gradients so their global L2 norm is at most max_norm.</summary>
    public double MaxNorm { get; set; }
}

/// <summary>Stop when the monitored validation metric has not improved for a while.</summary>
public sealed class EarlyStoppingSection
{
    /// <summary>Epochs without improvement before stopping; 0 turns early stopping off.</summary>
    public int Patience { get; set; }
    public double MinDelta { get; set; }
    public bool RestoreBest { get; set; } = true;
}

public sealed class DataSection
{
    /// <summary>fashion-mnist (IDX files in <see cref="Path"/>).</summary>
    public string Dataset { get; set; } = "fashion-mnist";
    public string Path { get; set; } = "/usr/share/datasets/fashion-mnist";
    /// <summary>How many of the training images are held back for validation (deterministic split).</summary>
    public int ValidationSize { get; set; } = 5000;
    public int SplitSeed { get; set; }
    /// <summary>standard: (x − mean) / std with statistics of the training split; none: raw values.</summary>
    public string Normalize { get; set; } = "standard";
    public List<string> Labels { get; set; } = [];
}

public sealed class ModelSection
{
    /// <summary>Shape of one sample, without the batch dimension.</summary>
    public List<long> InputShape { get; set; } = [];
    public List<LayerSpec> Layers { get; set; } = [];
    /// <summary>An existing forward ONNX model to train instead of <see cref="Layers"/>.</summary>
    public string? Forward { get; set; }
    /// <summary>Regular expressions over parameter names; empty means every float initializer trains.</summary>
    public List<string> Trainable { get; set; } = [];
}

public sealed class LayerSpec
{
    public string Type { get; set; } = "";
    public int? Units { get; set; }
    public bool Bias { get; set; } = true;
    public double? Rate { get; set; }
    public double? Alpha { get; set; }
    public string? Name { get; set; }
}

public sealed class LossSection
{
    public string Name { get; set; } = "cross_entropy";
    public double LabelSmoothing { get; set; }
}

public sealed class OptimizerSection
{
    public string Name { get; set; } = "adam";
    public double Lr { get; set; } = 1e-3;
    public List<double> Betas { get; set; } = [0.9, 0.999];
    public double Eps { get; set; } = 1e-8;
    public double WeightDecay { get; set; }
    public double Momentum { get; set; }
    public double Dampening { get; set; }
    public bool Nesterov { get; set; }
    public bool Amsgrad { get; set; }
    public double Alpha { get; set; } = 0.99;
    public bool Centered { get; set; }
    public double LrDecay { get; set; }
    public double InitialAccumulatorValue { get; set; }
}

public sealed class ScheduleSection
{
    public string Name { get; set; } = "constant";
    public int WarmupSteps { get; set; }
    public int StepSize { get; set; } = 1;
    public double Gamma { get; set; } = 0.1;
    public List<int> Milestones { get; set; } = [];
    /// <summary>The floor: eta_min of cosine and cosine_restarts, min_lr of plateau.</summary>
    public double MinLr { get; set; }
    /// <summary>epoch: step_size, milestones, t_max and t_0 count epochs; step: they count optimizer steps.</summary>
    public string Interval { get; set; } = "epoch";
    /// <summary>Warm-up starts at this fraction of the scheduled rate (PyTorch LinearLR's start_factor).</summary>
    public double WarmupStartFactor { get; set; } = 1.0 / 3;
    /// <summary>Cosine half-period; 0 means the whole run.</summary>
    public int TMax { get; set; }
    [YamlDotNet.Serialization.YamlMember(Alias = "t_0")]
    public int T0 { get; set; }
    public int TMult { get; set; } = 1;
    /// <summary>One-cycle peak; 0 means optimizer.lr.</summary>
    public double MaxLr { get; set; }
    public double PctStart { get; set; } = 0.3;
    public double DivFactor { get; set; } = 25;
    public double FinalDivFactor { get; set; } = 1e4;
    /// <summary>Plateau: min (a loss) or max (an accuracy).</summary>
    public string Mode { get; set; } = "min";
    public double Factor { get; set; } = 0.1;
    public int Patience { get; set; } = 10;
    public double Threshold { get; set; } = 1e-4;
    public string ThresholdMode { get; set; } = "rel";
    public int Cooldown { get; set; }
}

public sealed class TrainingSection
{
    public int BatchSize { get; set; } = 128;
    public int Epochs { get; set; } = 10;
    public int Seed { get; set; } = 42;
    public string Device { get; set; } = "cpu";
    public bool DropLast { get; set; }
    /// <summary>Intra-op threads for ONNX Runtime; 0 lets it use every core.</summary>
    public int Threads { get; set; }
    public int KeepCheckpoints { get; set; } = 3;
    /// <summary>Micro-batches whose gradients are summed before one optimizer step (effective batch = batch_size × this).</summary>
    public int GradientAccumulation { get; set; } = 1;
    /// <summary>The validation metric that picks the best checkpoint and drives early stopping: val_accuracy, val_loss, or auto (accuracy when the task has one).</summary>
    public string Monitor { get; set; } = "auto";
    public EarlyStoppingSection EarlyStopping { get; set; } = new();
}
