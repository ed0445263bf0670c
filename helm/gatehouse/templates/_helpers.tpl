{{/*
Names, labels, the image reference, the rendered Gatehouse configuration and the
chart's refusals. test/packaging/chart-model.ts mirrors gatehouse.fullname and
gatehouse.config; keep the two in step.
*/}}

{{- define "gatehouse.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "gatehouse.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "gatehouse.redisName" -}}
{{- printf "%s-redis" (include "gatehouse.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "gatehouse.adminServiceName" -}}
{{- printf "%s-admin" (include "gatehouse.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "gatehouse.decisionsServiceName" -}}
{{- printf "%s-decisions" (include "gatehouse.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "gatehouse.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "gatehouse.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "gatehouse.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gatehouse.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "gatehouse.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "gatehouse.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: gatehouse
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "gatehouse.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* The store type the configuration ends up with. */}}
{{- define "gatehouse.storeType" -}}
{{- if .Values.redis.enabled -}}
redis
{{- else -}}
{{- $store := default dict .Values.config.store -}}
{{- default "sqlite" $store.type -}}
{{- end -}}
{{- end -}}

{{/*
The Gatehouse configuration file: .Values.config, with `store` filled in for the
bundled Redis (type, url unless given) and the password reference when
redis.auth.existingSecret is set and the config names no password.
*/}}
{{- define "gatehouse.config" -}}
{{- $config := deepCopy .Values.config -}}
{{- if .Values.redis.enabled -}}
{{- $store := default dict $config.store -}}
{{- $redis := default dict $store.redis -}}
{{- $_ := set $store "type" "redis" -}}
{{- if not $redis.url -}}
{{- $_ := set $redis "url" (printf "redis://%s:6379/0" (include "gatehouse.redisName" .)) -}}
{{- end -}}
{{- $_ := set $store "redis" $redis -}}
{{- $_ := set $config "store" $store -}}
{{- end -}}
{{- if and .Values.redis.auth.existingSecret (eq (include "gatehouse.storeType" .) "redis") -}}
{{- $store := $config.store -}}
{{- $redis := default dict $store.redis -}}
{{- if not (hasKey $redis "password") -}}
{{- $_ := set $redis "password" (dict "env" "GATEHOUSE_REDIS_PASSWORD") -}}
{{- end -}}
{{- $_ := set $store "redis" $redis -}}
{{- end -}}
{{- if or .Values.tls.dataPlane.enabled .Values.tls.admin.enabled -}}
{{- $server := default dict $config.server -}}
{{- range $listener := list "dataPlane" "admin" -}}
{{- $values := index $.Values.tls $listener -}}
{{- if $values.enabled -}}
{{- $block := default dict (index $server $listener) -}}
{{- $tls := default dict $block.tls -}}
{{- if not (or $tls.certFolder $tls.cert) -}}
{{- $_ := set $tls "certFolder" (printf "tls/%s" (ternary "data-plane" "admin" (eq $listener "dataPlane"))) -}}
{{- end -}}
{{- if and $values.clientCertificates (not (hasKey $tls "clientCertificates")) -}}
{{- $_ := set $tls "clientCertificates" $values.clientCertificates -}}
{{- end -}}
{{- $_ := set $block "tls" $tls -}}
{{- $_ := set $server $listener $block -}}
{{- end -}}
{{- end -}}
{{- $_ := set $config "server" $server -}}
{{- end -}}
{{- range $upstream := .Values.tls.upstreams -}}
{{- range $infra := (default list $config.infrastructures) -}}
{{- if and (eq $infra.id $upstream.infrastructure) (not (hasKey $infra "tls")) -}}
{{- $_ := set $infra "tls" (dict "certFolder" (printf "tls/upstreams/%s" $upstream.infrastructure)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toYaml $config -}}
{{- end -}}

{{/* HTTPS when the admin listener has TLS (the kubelet does not verify it). */}}
{{- define "gatehouse.probeScheme" -}}
{{- ternary "HTTPS" .Values.probes.scheme .Values.tls.admin.enabled -}}
{{- end -}}

{{/*
The ServiceMonitor endpoint's tlsConfig when it scrapes HTTPS:
metrics.serviceMonitor.tlsConfig when given (it replaces the default entirely), else
the ca.crt of the admin TLS Secret (the issuer's CA, as cert-manager's CA and Vault
issuers write it; not tls.admin.clientCaSecretName, which verifies clients) and the
admin Service's in-cluster name, which the admin certificate must carry. Empty when
neither applies: gatehouse.validate refuses that case.
*/}}
{{- define "gatehouse.serviceMonitorTlsConfig" -}}
{{- if .Values.metrics.serviceMonitor.tlsConfig -}}
{{- toYaml .Values.metrics.serviceMonitor.tlsConfig -}}
{{- else if and .Values.tls.admin.enabled .Values.tls.admin.secretName -}}
ca:
  secret:
    name: {{ .Values.tls.admin.secretName }}
    key: ca.crt
serverName: {{ printf "%s.%s.svc" (include "gatehouse.adminServiceName" .) .Release.Namespace }}
{{- end -}}
{{- end -}}

{{- define "gatehouse.dataPlanePort" -}}
{{- $server := default dict .Values.config.server -}}
{{- $listener := default dict $server.dataPlane -}}
{{- default 8080 $listener.port -}}
{{- end -}}

{{- define "gatehouse.adminPort" -}}
{{- $server := default dict .Values.config.server -}}
{{- $listener := default dict $server.admin -}}
{{- default 9090 $listener.port -}}
{{- end -}}

{{/*
The forward-auth decision listener's port (config.server.decisions; 8081, the
schema's default, when it gives none), or empty when the listener is not configured:
then the chart renders no containerPort, Service or NetworkPolicy rule for it.
*/}}
{{- define "gatehouse.decisionsPort" -}}
{{- $server := default dict .Values.config.server -}}
{{- if kindIs "map" $server.decisions -}}
{{- default 8081 $server.decisions.port -}}
{{- end -}}
{{- end -}}

{{/*
What the chart refuses. Every message says what to change. Included by every
workload template so that `helm template` fails before anything is applied.
*/}}
{{- define "gatehouse.validate" -}}
{{- if not (has .Values.mode (list "standalone" "sidecar")) -}}
{{- fail (printf "mode must be standalone or sidecar, not %q" .Values.mode) -}}
{{- end -}}
{{- $store := include "gatehouse.storeType" . -}}
{{- if and (eq .Values.mode "standalone") (ne $store "redis") (or (gt (int .Values.replicaCount) 1) .Values.autoscaling.enabled) -}}
{{- fail (printf "replicaCount %v / autoscaling.enabled %v need the Redis store: with store.type %s every replica would keep its own state (tokens, revocations, admin-API objects). Set config.store.type: redis (external Redis) or redis.enabled: true" .Values.replicaCount .Values.autoscaling.enabled $store) -}}
{{- end -}}
{{- if and .Values.redis.enabled (not (has .Values.redis.appendfsync (list "everysec" "always"))) -}}
{{- fail "redis.appendfsync must be everysec or always: Gatehouse needs an append-only file" -}}
{{- end -}}
{{- $server := default dict .Values.config.server -}}
{{- $admin := default dict $server.admin -}}
{{- $adminHost := default "127.0.0.1" $admin.host -}}
{{- if or (hasPrefix "127." $adminHost) (eq $adminHost "localhost") (eq $adminHost "::1") -}}
{{- fail (printf "config.server.admin.host is %s: the kubelet's probes and Prometheus cannot reach a loopback listener. Use 0.0.0.0 (the admin Service stays ClusterIP; see networkPolicy.adminFrom)" $adminHost) -}}
{{- end -}}
{{- if and .Values.tls.admin.enabled (eq (toString .Values.tls.admin.clientCertificates) "required") -}}
{{- fail "tls.admin.clientCertificates: required would refuse the kubelet's probes (they present no certificate); use optional" -}}
{{- end -}}
{{- $serviceMonitor := and .Values.metrics.serviceMonitor.enabled (or (eq .Values.mode "standalone") .Values.sidecar.apiNode.enabled) -}}
{{- if and $serviceMonitor (eq (include "gatehouse.probeScheme" .) "HTTPS") (not .Values.metrics.serviceMonitor.tlsConfig) (not (and .Values.tls.admin.enabled .Values.tls.admin.secretName)) -}}
{{- fail "metrics.serviceMonitor.tlsConfig is needed: the admin listener serves HTTPS (probes.scheme HTTPS) with a certificate the chart does not mount (no tls.admin.enabled with tls.admin.secretName), so the ServiceMonitor has no CA to verify it and every scrape would fail. Set metrics.serviceMonitor.tlsConfig (ca.secret or ca.configMap with the CA that issued the admin certificate, and serverName), or serve the admin certificate through tls.admin" -}}
{{- end -}}
{{- if eq (include "gatehouse.dataPlanePort" .) (include "gatehouse.adminPort" .) -}}
{{- fail "config.server.dataPlane.port and config.server.admin.port must differ" -}}
{{- end -}}
{{- if kindIs "map" $server.decisions -}}
{{- $decisions := $server.decisions -}}
{{- if eq (toString $decisions.port) "0" -}}
{{- fail "config.server.decisions.port 0 picks a free port at start, which no containerPort or Service can name: give a fixed port (or leave it out for 8081)" -}}
{{- end -}}
{{- $decisionsPort := include "gatehouse.decisionsPort" . -}}
{{- range $listener := list "dataPlane" "admin" -}}
{{- if eq $decisionsPort (include (printf "gatehouse.%sPort" $listener) $) -}}
{{- fail (printf "config.server.decisions.port (%s) must differ from config.server.%s.port: give the decision listener a port of its own" $decisionsPort $listener) -}}
{{- end -}}
{{- end -}}
{{- $decisionsHost := default "127.0.0.1" $decisions.host -}}
{{- if or (hasPrefix "127." $decisionsHost) (eq $decisionsHost "localhost") (eq $decisionsHost "::1") -}}
{{- fail (printf "config.server.decisions.host is %s (Gatehouse's default when the config gives none): the decisions Service and the ingress controllers cannot reach a loopback listener. Set config.server.decisions.host: 0.0.0.0 (the decisions Service stays ClusterIP; see networkPolicy.decisionsFrom)" $decisionsHost) -}}
{{- end -}}
{{- end -}}
{{- $shutdown := default dict $server.shutdown -}}
{{- $drainMs := add (default 0 $shutdown.readinessDelayMs) (ternary 25000 $shutdown.drainTimeoutMs (not (hasKey $shutdown "drainTimeoutMs"))) -}}
{{- $neededSec := add .Values.preStopSleepSeconds (div (add $drainMs 999) 1000) -}}
{{- if le (int .Values.terminationGracePeriodSeconds) (int $neededSec) -}}
{{- fail (printf "terminationGracePeriodSeconds (%v) must exceed preStopSleepSeconds + readinessDelayMs + drainTimeoutMs (%v s): the kubelet would kill Gatehouse mid-drain" .Values.terminationGracePeriodSeconds $neededSec) -}}
{{- end -}}
{{- if and (eq .Values.mode "sidecar") .Values.sidecar.apiNode.enabled (not .Values.sidecar.apiNode.image.repository) -}}
{{- fail "mode sidecar with sidecar.apiNode.enabled needs sidecar.apiNode.image.repository (or set sidecar.apiNode.enabled: false and include the gatehouse.sidecar template in your own workload)" -}}
{{- end -}}
{{- end -}}
