using Google.Protobuf;
using Toolchain.Onnx.Proto;

namespace Toolchain.Bench;

/// <summary>
/// Rewrites of a generated train-step graph, to measure an optimisation before proposing it for the
/// artifact generator (the rewrite stands in for what the generator would emit). "baseline" is the graph
/// as generated; variants join with '+'. `toolchain-bench check-variant` shows a rewrite computes the same.
/// </summary>
public static class GraphVariants
{
    public static readonly string[] Names = ["alias-outputs", "pool-indices", "unpool", "dw-gemm", "dx-conv"];

    public static ModelProto Apply(string name, ModelProto model)
    {
        var copy = model.Clone();
        var g = new Rewriter(copy.Graph);
        foreach (var part in name.Split('+'))
        {
            switch (part)
            {
                case "alias-outputs": AliasOutputs(copy.Graph); break;
                case "pool-indices": PoolIndices(g); break;
                case "unpool": Unpool(g); break;
                case "dw-gemm": WeightGradientAsGemm(g); break;
                case "dx-conv": InputGradientAsConv(g); break;
                case "dropout-off": DropoutOff(g); break;
                default: throw new ArgumentException($"--variant: unknown graph variant '{part}'; known: baseline, {string.Join(", ", Names)} (join with +)");
            }
            g.RemoveDead();
        }
        return copy;
    }

    /// <summary>Dropout ratio 0 (for check-variant only: dropout masks differ between sessions, so outputs would too).</summary>
    private static void DropoutOff(Rewriter g)
    {
        foreach (var d in g.Graph.Node.Where(n => n.OpType == "Dropout" && n.Input.Count > 1))
        {
            var zero = new TensorProto { Name = d.Name + "_bench_ratio0", DataType = (int)TensorProto.Types.DataType.Float };
            zero.FloatData.Add(0f);
            g.Graph.Initializer.Add(zero);
            d.Input[1] = zero.Name;
        }
    }

    /// <summary>
    /// Drops each Identity that only gives a computed value a graph-output name (x → Identity → "w.next"):
    /// the producing node writes "w.next" itself and its other consumers read it under that name. ONNX
    /// Runtime removes such an Identity only when the value has no other consumer, so every optimizer state
    /// output (m' and v' are also read by the update) stays a full-tensor copy per step.
    /// </summary>
    private static void AliasOutputs(GraphProto graph)
    {
        var outputs = graph.Output.Select(o => o.Name).ToHashSet();
        var external = graph.Input.Select(i => i.Name).Concat(graph.Initializer.Select(t => t.Name)).ToHashSet();
        var produced = graph.Node.SelectMany(n => n.Output).ToHashSet();
        var renamed = new Dictionary<string, string>();
        foreach (var identity in graph.Node.Where(n => n.OpType == "Identity").ToList())
        {
            string from = identity.Input[0], to = identity.Output[0];
            if (!outputs.Contains(to) || outputs.Contains(from) || external.Contains(from) || renamed.ContainsKey(from) || !produced.Contains(from))
                continue;
            renamed[from] = to;
            graph.Node.Remove(identity);
        }
        foreach (var n in graph.Node)
        {
            for (int i = 0; i < n.Input.Count; i++) if (renamed.TryGetValue(n.Input[i], out var to)) n.Input[i] = to;
            for (int i = 0; i < n.Output.Count; i++) if (renamed.TryGetValue(n.Output[i], out var to)) n.Output[i] = to;
        }
        foreach (var info in graph.ValueInfo.Where(v => renamed.ContainsKey(v.Name)).ToList()) graph.ValueInfo.Remove(info);
    }

    /// <summary>
    /// The MaxPool gradient reruns MaxPool with an Indices output on the forward input; instead the forward
    /// MaxPool emits Indices itself (as the rule already accepts), saving one pooling pass per layer.
    /// </summary>
    private static void PoolIndices(Rewriter g)
    {
        foreach (var again in g.Graph.Node.Where(n => n.OpType == "MaxPool" && n.Output.Count == 2).ToList())
        {
            var forward = g.Graph.Node.FirstOrDefault(n => n != again && n.OpType == "MaxPool" && n.Output.Count == 1 && n.Input[0] == again.Input[0]);
            if (forward is null) continue;
            forward.Output.Add(again.Output[1]);
            g.Graph.Node.Remove(again);
        }
        g.SortTopologically();
    }

    /// <summary>
    /// MaxPool's gradient for non-overlapping windows (kernel = stride, no padding) as one MaxUnpool of dY at
    /// the indices, instead of ConstantOfShape + ScatterElements(add) + Reshapes.
    /// </summary>
    private static void Unpool(Rewriter g)
    {
        foreach (var scatter in g.Graph.Node.Where(n => n.OpType == "ScatterElements").ToList())
        {
            var indicesReshape = g.Producer(scatter.Input[1]);
            var dyReshape = g.Producer(scatter.Input[2]);
            var pool = indicesReshape is null ? null : g.Producer(indicesReshape.Input[0]);
            var final = g.Consumers(scatter.Output[0]).SingleOrDefault(n => n.OpType == "Reshape");
            if (pool is not { OpType: "MaxPool" } || dyReshape is null || final is null || indicesReshape is null) continue;
            var kernel = Rewriter.Ints(pool, "kernel_shape")!;
            var strides = Rewriter.Ints(pool, "strides") ?? kernel.Select(_ => 1L).ToArray();
            var pads = Rewriter.Ints(pool, "pads") ?? new long[2 * kernel.Length];
            if (!kernel.SequenceEqual(strides) || pads.Any(p => p != 0) || (Rewriter.Ints(pool, "dilations")?.Any(d => d != 1) ?? false)) continue;
            var unpool = Rewriter.Node("MaxUnpool", [dyReshape.Input[0], indicesReshape.Input[0], final.Input[1]], [final.Output[0]],
                Rewriter.IntsAttribute("kernel_shape", kernel), Rewriter.IntsAttribute("strides", strides));
            g.Replace(final, unpool);
        }
    }

    /// <summary>
    /// dW of a stride-1, ungrouped 2-D convolution as one well-shaped Gemm over explicit im2col columns
    /// built from kh·kw Slices of the padded, channel-first input, instead of a Conv whose "kernel" is dY
    /// (K = N·H·W, N = kh·kw: a long, thin product that ONNX Runtime's Conv runs slowly):
    ///   cols[(i·kw + j)·C + c, (n, h, w)] = Xpad[n, c, h + i, w + j];  dW = reshape(dYᵀ · colsᵀ).
    /// </summary>
    private static void WeightGradientAsGemm(Rewriter g)
    {
        foreach (var conv in g.Graph.Node.Where(n => n.OpType == "Conv" && n.Input.Count == 2).ToList())
        {
            var xT = g.Producer(conv.Input[0]);
            var dyT = g.Producer(conv.Input[1]);
            var back = g.Consumers(conv.Output[0]).SingleOrDefault();
            if (xT is not { OpType: "Transpose" } || dyT is not { OpType: "Transpose" } || back is not { OpType: "Transpose" }) continue;
            if ((Rewriter.Ints(conv, "strides")?.Any(s => s != 1) ?? false) || (Rewriter.Ints(conv, "dilations")?.Any(d => d != 1) ?? false)
                || Rewriter.Int(conv, "group", 1) != 1) continue;
            // The forward Conv of the same input gives the weight, and so the kernel and channel counts.
            var forward = g.Graph.Node.First(n => n.OpType == "Conv" && n.Input[0] == xT.Input[0] && n != conv);
            var wShape = g.Graph.Input.First(i => i.Name == forward.Input[1]).Type.TensorType.Shape.Dim.Select(d => d.DimValue).ToArray();
            long f = wShape[0], c = wShape[1], kh = wShape[2], kw = wShape[3];
            var pads = Rewriter.Ints(conv, "pads") ?? new long[4];
            string p = conv.Output[0] + "_dwgemm";
            var added = new List<NodeProto>
            {
                Rewriter.Node("Pad", [conv.Input[0], g.Constant(p + "_pads", [0, 0, pads[0], pads[1], 0, 0, pads[2], pads[3]])], [p + "_xpad"]),
            };
            var slices = new List<string>();
            for (long i = 0; i < kh; i++)
                for (long j = 0; j < kw; j++)
                {
                    var name = $"{p}_s{i}{j}";
                    long endH = i - (kh - 1) is 0 ? long.MaxValue : i - (kh - 1), endW = j - (kw - 1) is 0 ? long.MaxValue : j - (kw - 1);
                    added.Add(Rewriter.Node("Slice", [p + "_xpad", g.Constant(name + "_starts", [i, j]), g.Constant(name + "_ends", [endH, endW]),
                        g.Constant(p + "_axes", [2, 3])], [name]));
                    slices.Add(name);
                }
            added.Add(Rewriter.Node("Concat", slices, [p + "_cols4"], Rewriter.IntAttribute("axis", 0)));
            added.Add(Rewriter.Node("Reshape", [p + "_cols4", g.Constant(p + "_colshape", [kh * kw * c, -1])], [p + "_cols"]));
            added.Add(Rewriter.Node("Reshape", [conv.Input[1], g.Constant(p + "_dyshape", [f, -1])], [p + "_dy"]));
            added.Add(Rewriter.Node("Gemm", [p + "_dy", p + "_cols"], [p + "_dw"], Rewriter.IntAttribute("transB", 1)));
            added.Add(Rewriter.Node("Reshape", [p + "_dw", g.Constant(p + "_dw3", [f, kh * kw, c])], [p + "_dwk"]));
            added.Add(Rewriter.Node("Transpose", [p + "_dwk"], [p + "_dwc"], Rewriter.IntsAttribute("perm", [0, 2, 1])));
            added.Add(Rewriter.Node("Reshape", [p + "_dwc", g.Constant(p + "_wshape", [f, c, kh, kw])], [back.Output[0]]));
            g.Graph.Node.Remove(back);
            g.Graph.Node.Remove(conv);
            g.Graph.Node.AddRange(added);
        }
        g.SortTopologically();
    }

    /// <summary>
    /// dX of a stride-1, ungrouped 2-D convolution as a Conv of dY with the kernel flipped and its two
    /// channel axes swapped (pads k − 1 − p), instead of ConvTranspose: ONNX Runtime's Conv has the fast
    /// (NCHWc) path, its ConvTranspose does a Gemm and then a single col2im.
    /// </summary>
    private static void InputGradientAsConv(Rewriter g)
    {
        foreach (var ct in g.Graph.Node.Where(n => n.OpType == "ConvTranspose" && n.Input.Count == 2).ToList())
        {
            if ((Rewriter.Ints(ct, "strides")?.Any(s => s != 1) ?? false) || (Rewriter.Ints(ct, "dilations")?.Any(d => d != 1) ?? false)
                || Rewriter.Int(ct, "group", 1) != 1 || Rewriter.Ints(ct, "output_padding")?.Any(x => x != 0) == true) continue;
            var wInput = g.Graph.Input.FirstOrDefault(i => i.Name == ct.Input[1]);
            if (wInput is null) continue;
            var wShape = wInput.Type.TensorType.Shape.Dim.Select(d => d.DimValue).ToArray();
            long kh = wShape[2], kw = wShape[3];
            var pads = Rewriter.Ints(ct, "pads") ?? new long[4];
            string p = ct.Output[0] + "_dxconv";
            var flipped = new List<NodeProto>
            {
                Rewriter.Node("Transpose", [ct.Input[1]], [p + "_wt"], Rewriter.IntsAttribute("perm", [1, 0, 2, 3])),
                Rewriter.Node("Slice", [p + "_wt", g.Constant(p + "_starts", [-1, -1]), g.Constant(p + "_ends", [long.MinValue, long.MinValue]),
                    g.Constant(p + "_axes", [2, 3]), g.Constant(p + "_steps", [-1, -1])], [p + "_wf"]),
                Rewriter.Node("Conv", [ct.Input[0], p + "_wf"], [ct.Output[0]],
                    Rewriter.IntsAttribute("pads", [kh - 1 - pads[0], kw - 1 - pads[1], kh - 1 - pads[2], kw - 1 - pads[3]])),
            };
            g.Graph.Node.Remove(ct);
            g.Graph.Node.AddRange(flipped);
        }
        g.SortTopologically();
    }
}

/// <summary>Small helpers over a GraphProto: producers, consumers, int64 constants, dead-node removal, ordering.</summary>
internal sealed class Rewriter(GraphProto graph)
{
    public GraphProto Graph { get; } = graph;

    public NodeProto? Producer(string value) => Graph.Node.FirstOrDefault(n => n.Output.Contains(value));

    public IEnumerable<NodeProto> Consumers(string value) => Graph.Node.Where(n => n.Input.Contains(value));

    public void Replace(NodeProto old, NodeProto replacement)
    {
        int i = Graph.Node.IndexOf(old);
        Graph.Node[i] = replacement;
        SortTopologically();
    }

    public string Constant(string name, long[] values)
    {
        if (Graph.Initializer.All(t => t.Name != name))
        {
            var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
            t.Dims.Add(values.Length);
            t.Int64Data.AddRange(values);
            Graph.Initializer.Add(t);
        }
        return name;
    }

    public static NodeProto Node(string op, IEnumerable<string> inputs, IEnumerable<string> outputs, params AttributeProto[] attributes)
    {
        var n = new NodeProto { OpType = op, Name = $"bench_{op}_{outputs.First()}" };
        n.Input.AddRange(inputs);
        n.Output.AddRange(outputs);
        n.Attribute.AddRange(attributes);
        return n;
    }

    public static AttributeProto IntsAttribute(string name, long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    public static AttributeProto IntAttribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static long[]? Ints(NodeProto n, string name) => n.Attribute.FirstOrDefault(a => a.Name == name)?.Ints.ToArray();

    public static long Int(NodeProto n, string name, long fallback) => n.Attribute.FirstOrDefault(a => a.Name == name)?.I ?? fallback;

    /// <summary>Removes nodes none of whose outputs is read or is a graph output, until none is left.</summary>
    public void RemoveDead()
    {
        var outputs = Graph.Output.Select(o => o.Name).ToHashSet();
        while (true)
        {
            var read = Graph.Node.SelectMany(n => n.Input).ToHashSet();
            var dead = Graph.Node.Where(n => !n.Output.Any(o => o.Length > 0 && (read.Contains(o) || outputs.Contains(o)))).ToList();
            if (dead.Count == 0) break;
            foreach (var n in dead) Graph.Node.Remove(n);
        }
        var used = Graph.Node.SelectMany(n => n.Input).ToHashSet();
        foreach (var t in Graph.Initializer.Where(t => !used.Contains(t.Name)).ToList()) Graph.Initializer.Remove(t);
    }

    public void SortTopologically()
    {
        var available = Graph.Input.Select(i => i.Name).Concat(Graph.Initializer.Select(t => t.Name)).Append("").ToHashSet();
        var pending = Graph.Node.ToList();
        var ordered = new List<NodeProto>();
        while (pending.Count > 0)
        {
            var ready = pending.Where(n => n.Input.All(available.Contains)).ToList();
            if (ready.Count == 0) throw new InvalidOperationException($"graph has a cycle or a missing value near {pending[0].Name}");
            foreach (var n in ready)
            {
                ordered.Add(n);
                foreach (var o in n.Output) available.Add(o);
                pending.Remove(n);
            }
        }
        Graph.Node.Clear();
        Graph.Node.AddRange(ordered);
    }
}
