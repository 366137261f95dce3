/**
 * The allow-list and the block-list that turn a global referenced by a pickle into a verdict.
 *
 * A pickle runs code by importing `module.name` (GLOBAL, STACK_GLOBAL, INST) and calling it
 * (REDUCE, NEWOBJ, OBJ, INST) or letting BUILD call its `__setstate__`. Block-lists of bad
 * callables have been bypassed dozens of times (picklescan's ~30 advisories), so the verdict is
 * built on the allow-list: a global is `safe` only when it is listed here, `dangerous` when it is
 * a known code-execution, import, file, network or gadget callable, and `unknown` (suspicious)
 * otherwise. docs/scanning.md lists every entry with why it is safe.
 */

export type GlobalClass = "safe" | "dangerous" | "unknown";

export interface Classification {
  level: GlobalClass;
  /** Why: the safe-list group, or the danger. */
  reason: string;
}

/** One allow-list group: exact `module` and exact (possibly dotted) names. */
export interface SafeGroup {
  module: string;
  names: readonly string[];
  why: string;
}

const TORCH_STORAGES = [
  "FloatStorage",
  "DoubleStorage",
  "HalfStorage",
  "BFloat16Storage",
  "LongStorage",
  "IntStorage",
  "ShortStorage",
  "CharStorage",
  "ByteStorage",
  "BoolStorage",
  "ComplexFloatStorage",
  "ComplexDoubleStorage",
  "QInt8Storage",
  "QUInt8Storage",
  "QInt32Storage",
  "QUInt4x2Storage",
  "QUInt2x4Storage",
  "UntypedStorage",
];

const TORCH_DTYPES = [
  "float16",
  "float32",
  "float64",
  "bfloat16",
  "half",
  "float",
  "double",
  "complex32",
  "complex64",
  "complex128",
  "cfloat",
  "cdouble",
  "uint8",
  "uint16",
  "uint32",
  "uint64",
  "int8",
  "int16",
  "int32",
  "int64",
  "short",
  "int",
  "long",
  "bool",
  "qint8",
  "quint8",
  "qint32",
  "quint4x2",
  "quint2x4",
  "float8_e4m3fn",
  "float8_e5m2",
  "float8_e4m3fnuz",
  "float8_e5m2fnuz",
];

const NUMPY_SCALARS = [
  "bool_",
  "int8",
  "int16",
  "int32",
  "int64",
  "uint8",
  "uint16",
  "uint32",
  "uint64",
  "float16",
  "float32",
  "float64",
  "longdouble",
  "complex64",
  "complex128",
  "clongdouble",
  "str_",
  "bytes_",
  "void",
  "datetime64",
  "timedelta64",
];

/**
 * The allow-list. Every entry is a constructor or a rebuild helper that turns plain data into a
 * value and calls nothing it was given, other than other globals (which are checked on their own).
 */
export const SAFE_GLOBALS: readonly SafeGroup[] = [
  {
    module: "collections",
    // Not `namedtuple`: pickled namedtuples name their own class, and the factory builds code with eval.
    names: ["OrderedDict", "defaultdict", "deque", "Counter"],
    why: "container constructors; defaultdict's factory is itself a global and checked",
  },
  {
    module: "builtins",
    names: [
      "dict",
      "list",
      "tuple",
      "set",
      "frozenset",
      "bytearray",
      "bytes",
      "int",
      "float",
      "complex",
      "bool",
      "str",
      "slice",
      "range",
      "object",
    ],
    why: "value constructors; `object` appears as the base in copyreg._reconstructor",
  },
  {
    module: "copyreg",
    names: ["_reconstructor", "__newobj__", "__newobj_ex__"],
    why: "protocol 0–2 object rebuild helpers: call cls.__new__/base.__init__ of classes that are themselves checked",
  },
  {
    module: "_codecs",
    names: ["encode"],
    why: "protocol 2 encodes Python 3 bytes as _codecs.encode(str, 'latin1')",
  },
  { module: "codecs", names: ["encode"], why: "as _codecs.encode" },
  {
    module: "torch._utils",
    names: [
      "_rebuild_tensor",
      "_rebuild_tensor_v2",
      "_rebuild_tensor_v3",
      "_rebuild_parameter",
      "_rebuild_parameter_with_state",
      "_rebuild_sparse_tensor",
      "_rebuild_sparse_csr_tensor",
      "_rebuild_qtensor",
      "_rebuild_nested_tensor",
      "_rebuild_device_tensor_from_numpy",
      "_rebuild_meta_tensor_no_storage",
      "_rebuild_wrapper_subclass",
    ],
    why: "torch.save's tensor rebuild helpers: build a tensor view over a storage from shapes and strides",
  },
  {
    module: "torch._tensor",
    names: ["_rebuild_from_type", "_rebuild_from_type_v2"],
    why: "tensor-subclass rebuild: calls the rebuild function it is given, which is a checked global",
  },
  { module: "torch", names: TORCH_STORAGES, why: "storage types named in persistent ids" },
  { module: "torch.storage", names: ["UntypedStorage", "TypedStorage"], why: "storage types" },
  { module: "torch", names: TORCH_DTYPES, why: "dtype singletons" },
  {
    module: "torch",
    names: [
      "Size",
      "device",
      "Tensor",
      "strided",
      "sparse_coo",
      "sparse_csr",
      "sparse_csc",
      "sparse_bsr",
      "sparse_bsc",
      "_mkldnn",
      "per_tensor_affine",
      "per_channel_affine",
      "per_tensor_symmetric",
      "per_channel_symmetric",
      "per_channel_affine_float_qparams",
      "contiguous_format",
      "channels_last",
      "channels_last_3d",
      "preserve_format",
    ],
    why: "shape, device, layout, qscheme and memory-format values",
  },
  { module: "torch.nn.parameter", names: ["Parameter"], why: "wraps a tensor" },
  {
    module: "torch.serialization",
    names: ["_get_layout"],
    why: "maps a layout name to a layout value (sparse tensors)",
  },
  {
    module: "numpy.core.multiarray",
    names: ["_reconstruct", "scalar"],
    why: "ndarray and scalar rebuild from shape, dtype and bytes",
  },
  { module: "numpy._core.multiarray", names: ["_reconstruct", "scalar"], why: "as numpy.core (NumPy 2)" },
  { module: "numpy.core.numeric", names: ["_frombuffer"], why: "protocol 5 ndarray rebuild from a buffer" },
  { module: "numpy._core.numeric", names: ["_frombuffer"], why: "as numpy.core (NumPy 2)" },
  {
    module: "numpy",
    names: ["ndarray", "dtype", "matrix", ...NUMPY_SCALARS],
    why: "array, dtype and scalar types",
  },
  {
    module: "numpy.ma.core",
    names: ["_mareconstruct", "MaskedArray"],
    why: "masked array rebuild",
  },
  {
    module: "numpy.random._pickle",
    names: ["__randomstate_ctor", "__bit_generator_ctor", "__generator_ctor"],
    why: "random-state rebuild: looks a bit-generator name up in a fixed table",
  },
  {
    module: "numpy.random.mtrand",
    names: ["RandomState"],
    why: "random state object (scikit-learn estimators keep one)",
  },
  {
    module: "joblib.numpy_pickle",
    names: ["NumpyArrayWrapper"],
    why: "joblib's placeholder for an array whose bytes follow in the file (the scanner skips them exactly)",
  },
  {
    module: "scipy.sparse._csr",
    names: ["csr_matrix", "csr_array"],
    why: "sparse matrix containers (scikit-learn features)",
  },
  { module: "scipy.sparse._csc", names: ["csc_matrix", "csc_array"], why: "sparse matrix containers" },
  { module: "scipy.sparse._coo", names: ["coo_matrix", "coo_array"], why: "sparse matrix containers" },
  { module: "scipy.sparse.csr", names: ["csr_matrix"], why: "sparse matrix containers (older SciPy)" },
  { module: "scipy.sparse.csc", names: ["csc_matrix"], why: "sparse matrix containers (older SciPy)" },
  {
    module: "argparse",
    names: ["Namespace"],
    why: "hyper-parameter bags in Lightning checkpoints; sets attributes only",
  },
  {
    module: "datetime",
    names: ["datetime", "date", "time", "timedelta", "timezone"],
    why: "time values in checkpoint metadata",
  },
  { module: "decimal", names: ["Decimal"], why: "number value" },
  { module: "fractions", names: ["Fraction"], why: "number value" },
  { module: "uuid", names: ["UUID"], why: "identifier value" },
];

/**
 * Families allowed by rule rather than by name, each with the reason. scikit-learn estimators
 * and torch.nn modules are classes whose construction only stores parameters; pickles rebuild
 * them with `__new__` and set their `__dict__`, which runs none of their methods.
 */
const SAFE_CLASS_FAMILIES: readonly { prefix: string; exclude: readonly string[]; why: string }[] = [
  {
    prefix: "sklearn.",
    exclude: [
      "sklearn.datasets",
      "sklearn.utils._testing",
      "sklearn.utils._show_versions",
      "sklearn.utils.fixes",
      "sklearn.externals",
      "sklearn.utils._joblib",
      "sklearn.tests",
      "sklearn.conftest",
      "sklearn.experimental",
      "sklearn.__check_build",
      "sklearn._build_utils",
    ],
    why: "scikit-learn estimator and Cython helper classes (CamelCase names only: classes, never functions)",
  },
  {
    prefix: "torch.nn.modules.",
    exclude: [],
    why: "torch.nn layer classes of whole-model pickles (CamelCase names only)",
  },
];

interface DangerRule {
  /** Module or module prefix (matches the module itself and its submodules). */
  module: string;
  /** Only these names (first segment of a dotted name); every name when absent. */
  names?: readonly string[];
  why: string;
}

const EXEC = "code execution";
const PROC = "process execution";
const IMPORT = "import machinery (loads arbitrary modules)";
const FILE = "file system access";
const NET = "network access";
const DESER = "nested deserialisation (a second pickle or loader that runs code)";
const GADGET = "call gadget (calls or fetches an attribute chosen by the pickle)";
const DEBUG = "debugger, profiler or interpreter that runs code";

/** The block-list: named so the report can say why; anything else not on the allow-list is suspicious. */
const DANGEROUS: readonly DangerRule[] = [
  { module: "os", why: `${PROC} / ${FILE}` },
  { module: "posix", why: `${PROC} / ${FILE}` },
  { module: "nt", why: `${PROC} / ${FILE}` },
  { module: "_posixsubprocess", why: PROC },
  { module: "subprocess", why: PROC },
  { module: "commands", why: PROC },
  { module: "popen2", why: PROC },
  { module: "pty", why: PROC },
  { module: "platform", names: ["popen", "_syscmd_uname", "_syscmd_file", "_syscmd_ver"], why: PROC },
  { module: "asyncio", why: `${PROC} / ${NET}` },
  { module: "multiprocessing", why: PROC },
  { module: "concurrent", why: PROC },
  { module: "_thread", why: "starts threads running arbitrary callables" },
  { module: "threading", why: "starts threads running arbitrary callables" },
  { module: "signal", why: "process signals" },
  {
    module: "builtins",
    names: [
      "eval",
      "exec",
      "compile",
      "execfile",
      "__import__",
      "apply",
      "reload",
      "breakpoint",
      "__build_class__",
      "__loader__",
      "__spec__",
    ],
    why: EXEC,
  },
  {
    module: "builtins",
    names: ["open", "file", "input", "raw_input", "help", "exit", "quit"],
    why: `${FILE} / interpreter I/O`,
  },
  { module: "builtins", names: ["getattr", "setattr", "delattr", "globals", "locals", "vars"], why: GADGET },
  { module: "importlib", why: IMPORT },
  { module: "imp", why: IMPORT },
  { module: "pkgutil", why: IMPORT },
  { module: "zipimport", why: IMPORT },
  { module: "runpy", why: EXEC },
  { module: "code", why: EXEC },
  { module: "codeop", why: EXEC },
  {
    module: "types",
    names: ["CodeType", "FunctionType", "LambdaType", "MethodType", "ModuleType"],
    why: EXEC,
  },
  { module: "marshal", why: DESER },
  { module: "pickle", why: DESER },
  { module: "_pickle", why: DESER },
  { module: "cPickle", why: DESER },
  { module: "pickletools", why: DESER },
  { module: "dill", why: DESER },
  { module: "cloudpickle", why: DESER },
  { module: "shelve", why: DESER },
  { module: "yaml", why: DESER },
  { module: "jsonpickle", why: DESER },
  { module: "joblib", why: DESER },
  { module: "torch.load", why: DESER },
  { module: "torch.serialization", names: ["load", "_load", "_legacy_load"], why: DESER },
  { module: "torch.jit", why: EXEC },
  { module: "torch.hub", why: `${NET} / ${EXEC}` },
  { module: "torch.package", why: EXEC },
  { module: "torch._inductor", why: EXEC },
  { module: "torch._dynamo", why: EXEC },
  { module: "torch.distributed", why: `${NET} / ${EXEC}` },
  { module: "torch.utils.collect_env", why: PROC },
  { module: "torch.utils.bottleneck", why: EXEC },
  { module: "torch.utils.cpp_extension", why: EXEC },
  { module: "torch.utils.data.datapipes", why: DESER },
  { module: "torch.utils._config_module", why: EXEC },
  { module: "torch.fx", why: EXEC },
  { module: "torch._C", why: "native bindings (file and process access)" },
  {
    module: "torch",
    names: ["load", "hub", "jit", "package", "compile", "_dynamo", "_inductor", "ops"],
    why: `${DESER} / ${EXEC}`,
  },
  { module: "numpy.testing", why: EXEC },
  { module: "numpy.f2py", why: EXEC },
  { module: "numpy.distutils", why: EXEC },
  { module: "numpy.ctypeslib", why: "loads native libraries" },
  {
    module: "numpy",
    names: ["load", "loadtxt", "genfromtxt", "fromfile", "memmap", "save", "savez", "savetxt", "tofile"],
    why: FILE,
  },
  { module: "numpy.lib.npyio", why: FILE },
  { module: "numpy.lib.format", why: DESER },
  {
    module: "pandas",
    names: ["read_pickle", "eval", "read_csv", "read_sql", "to_pickle"],
    why: `${DESER} / ${EXEC}`,
  },
  { module: "pandas.io", why: DESER },
  { module: "pandas.core.computation", why: EXEC },
  { module: "numexpr", why: EXEC },
  { module: "ctypes", why: "loads native libraries and calls native code" },
  { module: "_ctypes", why: "loads native libraries and calls native code" },
  { module: "cffi", why: "loads native libraries" },
  { module: "socket", why: NET },
  { module: "_socket", why: NET },
  { module: "ssl", why: NET },
  { module: "_ssl", why: NET },
  { module: "select", why: NET },
  { module: "selectors", why: NET },
  { module: "http", why: NET },
  { module: "httplib", why: NET },
  { module: "urllib", why: NET },
  { module: "urllib2", why: NET },
  { module: "urllib3", why: NET },
  { module: "requests", why: NET },
  { module: "httpx", why: NET },
  { module: "aiohttp", why: NET },
  { module: "ftplib", why: NET },
  { module: "smtplib", why: NET },
  { module: "telnetlib", why: NET },
  { module: "poplib", why: NET },
  { module: "imaplib", why: NET },
  { module: "nntplib", why: NET },
  { module: "xmlrpc", why: NET },
  { module: "xmlrpclib", why: NET },
  { module: "socketserver", why: NET },
  { module: "SocketServer", why: NET },
  { module: "webbrowser", why: PROC },
  { module: "wsgiref", why: NET },
  { module: "smtpd", why: NET },
  { module: "pdb", why: DEBUG },
  { module: "bdb", why: DEBUG },
  { module: "trace", why: DEBUG },
  { module: "profile", why: DEBUG },
  { module: "cProfile", why: DEBUG },
  { module: "timeit", why: DEBUG },
  { module: "doctest", why: DEBUG },
  { module: "pydoc", why: `${IMPORT} / ${PROC}` },
  { module: "idlelib", why: DEBUG },
  { module: "lib2to3", why: EXEC },
  { module: "tkinter", why: EXEC },
  { module: "turtle", why: EXEC },
  { module: "sys", why: "interpreter state (sys.modules overrides, exit, path)" },
  { module: "site", why: IMPORT },
  { module: "sysconfig", why: IMPORT },
  { module: "ensurepip", why: PROC },
  { module: "venv", why: PROC },
  { module: "pip", why: PROC },
  { module: "setuptools", why: PROC },
  { module: "distutils", why: PROC },
  { module: "shutil", why: FILE },
  { module: "tempfile", why: FILE },
  { module: "io", why: FILE },
  { module: "_io", why: FILE },
  { module: "fileinput", why: FILE },
  { module: "linecache", why: FILE },
  { module: "glob", why: FILE },
  { module: "tarfile", why: FILE },
  { module: "zipfile", why: FILE },
  { module: "gzip", why: FILE },
  { module: "bz2", why: FILE },
  { module: "lzma", why: FILE },
  { module: "dbm", why: FILE },
  { module: "sqlite3", why: FILE },
  { module: "mmap", why: FILE },
  { module: "logging", why: FILE },
  { module: "pathlib", why: FILE },
  { module: "filecmp", why: FILE },
  {
    module: "operator",
    names: ["attrgetter", "methodcaller", "call", "getitem", "setitem", "delitem"],
    why: GADGET,
  },
  {
    module: "_operator",
    names: ["attrgetter", "methodcaller", "call", "getitem", "setitem", "delitem"],
    why: GADGET,
  },
  { module: "functools", names: ["reduce", "partial", "partialmethod"], why: GADGET },
  { module: "_functools", names: ["reduce", "partial"], why: GADGET },
  { module: "itertools", names: ["starmap"], why: GADGET },
  {
    module: "copyreg",
    names: ["add_extension", "remove_extension", "pickle", "constructor"],
    why: "changes how later opcodes resolve",
  },
  {
    module: "copy_reg",
    names: ["add_extension", "remove_extension", "pickle", "constructor"],
    why: "changes how later opcodes resolve",
  },
  { module: "inspect", why: GADGET },
  { module: "gc", why: GADGET },
  { module: "weakref", names: ["finalize"], why: GADGET },
  { module: "atexit", why: "registers callables to run at exit" },
  { module: "jinja2", why: EXEC },
  { module: "mako", why: EXEC },
  { module: "keras", names: ["models", "saving"], why: DESER },
  {
    module: "tensorflow",
    names: ["io", "compat", "py_function", "numpy_function", "keras"],
    why: `${FILE} / ${EXEC}`,
  },
];

/**
 * Python 2 module names that Python 3's unpickler maps for protocols < 3 (`fix_imports`,
 * Lib/_compat_pickle.py IMPORT_MAPPING); both the written and the mapped name are checked.
 */
const PY2_MODULES: Readonly<Record<string, string>> = {
  __builtin__: "builtins",
  copy_reg: "copyreg",
  Queue: "queue",
  SocketServer: "socketserver",
  ConfigParser: "configparser",
  repr: "reprlib",
  cPickle: "pickle",
  StringIO: "io",
  cStringIO: "io",
  UserDict: "collections",
  UserList: "collections",
  UserString: "collections",
  whichdb: "dbm",
  anydbm: "dbm",
  dbhash: "dbm.bsd",
  gdbm: "dbm.gnu",
  dumbdbm: "dbm.dumb",
  httplib: "http.client",
  urllib2: "urllib.request",
  urlparse: "urllib.parse",
  robotparser: "urllib.robotparser",
  commands: "subprocess",
  thread: "_thread",
  dummy_thread: "_dummy_thread",
  Cookie: "http.cookies",
  cookielib: "http.cookiejar",
  BaseHTTPServer: "http.server",
  SimpleHTTPServer: "http.server",
  CGIHTTPServer: "http.server",
  xmlrpclib: "xmlrpc.client",
  HTMLParser: "html.parser",
  Tkinter: "tkinter",
  exceptions: "builtins",
  _elementtree: "xml.etree.ElementTree",
};

/** Name-level renames of the same table (NAME_MAPPING) that matter for safety. */
const PY2_NAMES: Readonly<Record<string, [string, string]>> = {
  "__builtin__.xrange": ["builtins", "range"],
  "__builtin__.reduce": ["functools", "reduce"],
  "__builtin__.intern": ["sys", "intern"],
  "__builtin__.unicode": ["builtins", "str"],
  "__builtin__.long": ["builtins", "int"],
  "__builtin__.basestring": ["builtins", "str"],
  "__builtin__.unichr": ["builtins", "chr"],
  "itertools.izip": ["builtins", "zip"],
  "itertools.imap": ["builtins", "map"],
  "itertools.ifilter": ["builtins", "filter"],
  "UserDict.UserDict": ["collections", "UserDict"],
  "UserDict.IterableUserDict": ["collections", "UserDict"],
  "socket._socketobject": ["socket", "SocketType"],
};

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** True when `s` is a dotted Python identifier path (what `import` and `getattr` chains accept). */
export function isDottedIdentifier(s: string): boolean {
  if (s.length === 0 || s.length > 1000) return false;
  return s.split(".").every((part) => IDENT.test(part));
}

function matchesModule(module: string, rule: string): boolean {
  return module === rule || module.startsWith(rule + ".");
}

/** Dunder attributes that reach interpreter internals from any object (`__globals__`, `__builtins__`, …). */
const DUNDER_GADGETS = new Set([
  "__globals__",
  "__builtins__",
  "__import__",
  "__subclasses__",
  "__mro__",
  "__bases__",
  "__base__",
  "__class__",
  "__dict__",
  "__code__",
  "__closure__",
  "__getattribute__",
  "__getattr__",
  "__setattr__",
  "__reduce__",
  "__reduce_ex__",
  "__init__",
  "__new__",
  "__call__",
  "__loader__",
  "__spec__",
  "__func__",
  "__self__",
  "__func_globals__",
  "func_globals",
]);

function classifyOne(module: string, name: string): Classification {
  const full = `${module}.${name}`;
  for (const g of SAFE_GLOBALS) {
    if (g.module === module && g.names.includes(name)) return { level: "safe", reason: g.why };
  }
  const segments = name.split(".");
  for (const part of [...module.split("."), ...segments]) {
    if (DUNDER_GADGETS.has(part)) return { level: "dangerous", reason: `reaches ${part}: ${GADGET}` };
  }
  for (const rule of DANGEROUS) {
    if (!matchesModule(module, rule.module) && !matchesModule(full, rule.module)) continue;
    if (rule.names === undefined || (module === rule.module && rule.names.includes(segments[0] ?? ""))) {
      return { level: "dangerous", reason: rule.why };
    }
    // `torch` with names: the name may be a dotted submodule path (torch + "jit.load").
    if (rule.names && matchesModule(module, rule.module) && module !== rule.module) {
      const sub = module.slice(rule.module.length + 1).split(".")[0] ?? "";
      if (rule.names.includes(sub)) return { level: "dangerous", reason: rule.why };
    }
  }
  for (const fam of SAFE_CLASS_FAMILIES) {
    if (!module.startsWith(fam.prefix)) continue;
    if (fam.exclude.some((ex) => matchesModule(module, ex))) break;
    if (segments.length === 1 && /^_?[A-Z][A-Za-z0-9]*$/.test(name))
      return { level: "safe", reason: fam.why };
  }
  return {
    level: "unknown",
    reason: "not on the allow-list of safe constructors; importing it runs its module",
  };
}

/**
 * Classifies `module.name` as a pickle would resolve it. Protocol < 3 pickles are read with
 * Python 2 names mapped (Lib/_compat_pickle.py), so every spelling is checked: any dangerous
 * reading is dangerous; otherwise any safe reading (`__builtin__.set` is `builtins.set`) is safe.
 */
export function classifyGlobal(module: string, name: string): Classification {
  if (!isDottedIdentifier(module) || !isDottedIdentifier(name)) {
    return { level: "unknown", reason: "not a valid Python module/attribute path" };
  }
  const candidates: [string, string][] = [[module, name]];
  const renamed = PY2_NAMES[`${module}.${name}`];
  if (renamed) candidates.push(renamed);
  const mapped = PY2_MODULES[module];
  if (mapped) candidates.push([mapped, name]);
  const results = candidates.map(([m, n]) => classifyOne(m, n));
  return (
    results.find((c) => c.level === "dangerous") ??
    results.find((c) => c.level === "safe") ??
    (results[0] as Classification)
  );
}
