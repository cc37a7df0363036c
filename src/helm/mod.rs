//! Helm charts rendered offline: the chart as files in memory, the request helm-controller makes
//! of Helm (release name, namespace, values, capabilities, CRD policy), and the rendering backends
//! behind one trait ([`HelmBackend`]): the `helm` binary and the Helm C library.
//!
//! This layer knows Helm, not Flux: composing values from `valuesFrom`, choosing the chart
//! version, post-renderers and helm-controller's labels live in `flux::helm`.

use std::collections::BTreeMap;
use std::fmt;

/// A chart's files in memory, by path relative to the chart's root directory
/// (`Chart.yaml`, `values.yaml`, `templates/…`, `crds/…`, `charts/<sub>/…` or `charts/<sub>.tgz`).
///
/// Charts come from git revisions as well as the work tree, so backends never read the chart
/// from the repository themselves.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChartFiles {
    /// Where the chart came from, for messages (`charts/podinfo` in the repository,
    /// `https://stefanprodan.github.io/podinfo podinfo 6.5.4` from the cache, …).
    pub origin: String,
    /// The files, by `/`-separated path relative to the chart's root.
    pub files: BTreeMap<String, Vec<u8>>,
}

/// What helm-controller asks of Helm for one release: `helm template` with these flags.
#[derive(Clone, Debug)]
pub struct TemplateRequest<'a> {
    /// The chart.
    pub chart: &'a ChartFiles,
    /// The release name (already shortened as helm-controller does).
    pub release_name: &'a str,
    /// The release namespace (`spec.targetNamespace`, else the HelmRelease's namespace).
    pub namespace: &'a str,
    /// The user-supplied values, composed by the caller in helm-controller's precedence, as JSON
    /// text (an object). May hold secret values: backends never write it to disk or logs.
    pub values_json: &'a str,
    /// `.Capabilities.KubeVersion`, e.g. `v1.34.0`.
    pub kube_version: &'a str,
    /// Extra `.Capabilities.APIVersions` (`group/version` and `group/version/Kind`).
    pub api_versions: &'a [String],
    /// Render the chart's `crds/` directory (helm-controller's CRD policy `Create`/`CreateReplace`).
    pub include_crds: bool,
    /// Skip hooks (`spec.install.disableHooks`).
    pub disable_hooks: bool,
    /// Render as an upgrade (`.Release.IsUpgrade`) rather than an install.
    pub is_upgrade: bool,
}

/// One rendered manifest: the template it came from and its YAML text (one or more documents).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderedManifest {
    /// The template's path as Helm names it (`mychart/templates/deployment.yaml`,
    /// `mychart/crds/crd.yaml`).
    pub source: String,
    /// The YAML text.
    pub text: String,
    /// The manifest is a hook (`helm.sh/hook` annotation); its hook events.
    pub hook: Option<String>,
}

/// A release rendered by a backend, in Helm's install order (CRDs first, then the manifests
/// sorted by Helm's kind order, then hooks).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RenderedRelease {
    /// The manifests, in Helm's install order.
    pub manifests: Vec<RenderedManifest>,
    /// The chart's NOTES.txt, rendered, when it has one.
    pub notes: Option<String>,
    /// Values that depend on the clock or randomness and were masked or pinned so the render is
    /// deterministic, described for the report (`templates/secret.yaml: randAlphaNum`).
    pub masked: Vec<String>,
}

/// Why a backend could not render a release.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HelmError {
    /// The backend is not available (binary not on PATH, library not loadable), and why.
    Unavailable(String),
    /// The chart is malformed (no Chart.yaml, bad metadata, a broken subchart archive).
    Chart(String),
    /// A template failed (`required`, `fail`, a parse error), with Helm's message.
    Template(String),
    /// The backend failed otherwise (crashed, printed something we cannot read).
    Backend(String),
}

impl fmt::Display for HelmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HelmError::Unavailable(m) => write!(f, "helm backend unavailable: {m}"),
            HelmError::Chart(m) => write!(f, "invalid chart: {m}"),
            HelmError::Template(m) => write!(f, "chart template failed: {m}"),
            HelmError::Backend(m) => write!(f, "helm backend failed: {m}"),
        }
    }
}

impl std::error::Error for HelmError {}

/// A way of rendering charts. Implementations are shared across threads: HelmReleases render in
/// parallel.
pub trait HelmBackend: Send + Sync {
    /// A short name for reports (`helm 3.17.0`, `libhelm_c 0.2.2 (Helm v4.2.3)`).
    fn describe(&self) -> String;

    /// Renders one release.
    fn template(&self, request: &TemplateRequest<'_>) -> Result<RenderedRelease, HelmError>;
}

/// Which backend renders charts (`--helm`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BackendChoice {
    /// The Helm C library when `HELM_C_LIB` names one, else the `helm` binary on PATH, else none.
    #[default]
    Auto,
    /// The `helm` binary on PATH.
    Binary,
    /// The Helm C library named by `HELM_C_LIB`.
    Library,
    /// Do not render charts: HelmReleases are listed as not rendered.
    None,
}
