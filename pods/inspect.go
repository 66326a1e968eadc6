package pods

import (
	"cmp"
	"errors"
	"time"

	"github.com/skiffproject/skiff/slirpnet"
)

// InspectData is what `pod inspect` prints, shaped like Podman's (libpod define.InspectPodData) with
// the fields skiff has.
type InspectData struct {
	ID            string            `json:"Id"`
	Name          string            `json:"Name"`
	Created       time.Time         `json:"Created"`
	CreateCommand []string          `json:"CreateCommand,omitempty"`
	ExitPolicy    string            `json:"ExitPolicy"`
	State         string            `json:"State"`
	Hostname      string            `json:"Hostname"`
	Labels        map[string]string `json:"Labels,omitempty"`
	CreateCgroup  bool              `json:"CreateCgroup"`
	// CgroupParent and CgroupPath are empty: skiff makes no cgroup for a pod (CreateCgroup false).
	CgroupParent     string                `json:"CgroupParent"`
	CgroupPath       string                `json:"CgroupPath"`
	CreateInfra      bool                  `json:"CreateInfra"`
	InfraContainerID string                `json:"InfraContainerID,omitempty"`
	InfraConfig      *InspectInfraConfig   `json:"InfraConfig,omitempty"`
	SharedNamespaces []string              `json:"SharedNamespaces,omitempty"`
	NumContainers    int                   `json:"NumContainers"`
	Containers       []InspectPodContainer `json:"Containers,omitempty"`
}

// InspectInfraConfig is the InfraConfig section: the pod's network, as its infra container has it.
type InspectInfraConfig struct {
	PortBindings       map[string][]slirpnet.InspectHostPort `json:"PortBindings"`
	HostNetwork        bool                                  `json:"HostNetwork"`
	StaticIP           string                                `json:"StaticIP"`
	StaticMAC          string                                `json:"StaticMAC"`
	NoManageResolvConf bool                                  `json:"NoManageResolvConf"`
	DNSServer          []string                              `json:"DNSServer"`
	DNSSearch          []string                              `json:"DNSSearch"`
	DNSOption          []string                              `json:"DNSOption"`
	NoManageHosts      bool                                  `json:"NoManageHosts"`
	HostAdd            []string                              `json:"HostAdd"`
	Networks           []string                              `json:"Networks"`
	NetworkOptions     map[string][]string                   `json:"NetworkOptions"`
	// NetworkMode is skiff's addition: the infra container's --network.
	NetworkMode string `json:"NetworkMode"`
	PidNS       string `json:"pid_ns"`
	UserNS      string `json:"userns"`
	UtsNS       string `json:"uts_ns"`
}

// InspectPodContainer is one container of the Containers section.
type InspectPodContainer struct {
	ID    string `json:"Id"`
	Name  string `json:"Name"`
	State string `json:"State"`
}

// Inspect returns the inspect data of pod nameOrID.
func (e *Engine) Inspect(nameOrID string) (*InspectData, error) {
	v, err := e.Get(nameOrID)
	if err != nil {
		return nil, err
	}
	return v.Inspect(), nil
}

// Inspect returns the inspect data of v.
func (v *View) Inspect() *InspectData {
	d := &InspectData{
		ID:               v.ID,
		Name:             v.Name,
		Created:          v.Created,
		CreateCommand:    v.CreateCommand,
		ExitPolicy:       cmp.Or(v.ExitPolicy, ExitContinue),
		State:            v.Status(),
		Hostname:         v.Hostname,
		Labels:           v.Labels,
		CreateInfra:      v.Pod.Infra,
		InfraContainerID: v.InfraID(),
		NumContainers:    len(v.Containers),
	}
	if v.Pod.Infra {
		d.SharedNamespaces = v.Share
	}
	if v.Infra != nil {
		n := v.Infra.Config.Network
		d.InfraConfig = &InspectInfraConfig{
			PortBindings:  slirpnet.InspectPorts(n.Ports, nil),
			HostNetwork:   n.Mode == slirpnet.Host,
			DNSServer:     n.DNS,
			DNSSearch:     n.DNSSearch,
			DNSOption:     n.DNSOptions,
			NoManageHosts: n.NoHosts,
			HostAdd:       n.AddHosts,
			NetworkMode:   n.Mode,
			PidNS:         "private",
			UserNS:        "host",
			UtsNS:         "private",
		}
	}
	for _, c := range v.Containers {
		d.Containers = append(d.Containers, InspectPodContainer{ID: c.ID, Name: c.Name(), State: c.State.Status})
	}
	return d
}

// Exists reports whether pod nameOrID exists.
func (e *Engine) Exists(nameOrID string) (bool, error) {
	pods, err := e.st.list()
	if err != nil {
		return false, err
	}
	_, err = find(pods, nameOrID)
	if err == nil {
		return true, nil
	}
	if errors.Is(err, ErrNoSuchPod) {
		return false, nil
	}
	return false, err
}
