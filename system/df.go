package system

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/containers/storage"
	units "github.com/docker/go-units"

	"github.com/skiffproject/skiff/container"
	"github.com/skiffproject/skiff/image"
	"github.com/skiffproject/skiff/volume"
)

// DFSummary is one row of `system df`: images, containers or local volumes.
type DFSummary struct {
	Type           string
	Total          int
	Active         int
	RawSize        int64
	RawReclaimable int64
	Size           string
	Reclaimable    string
}

// DFImage is one row of `system df -v`'s image table.
type DFImage struct {
	Repository, Tag, ImageID, Created string
	Size, SharedSize, UniqueSize      string
	Containers                        int
	// Raw holds the numbers behind the row, for the Docker API's system/df.
	Raw DFImageRaw `json:"-"`
}

// DFImageRaw are an image's df figures unformatted.
type DFImageRaw struct {
	ID              string
	Names           []string
	Created         time.Time
	Size, Shared    int64
	ContainersUsing int
}

// DFContainer is one row of `system df -v`'s container table.
type DFContainer struct {
	ContainerID, Image, Command, Size, Created, Status, Names string
	LocalVolumes                                              int
	// Raw holds the numbers behind the row, for the Docker API's system/df.
	Raw DFContainerRaw `json:"-"`
}

// DFContainerRaw are a container's df figures unformatted.
type DFContainerRaw struct {
	ID, ImageID string
	Created     time.Time
	Size        int64
}

// DFVolume is one row of `system df -v`'s volume table.
type DFVolume struct {
	VolumeName string
	Links      int
	Size       string
	// Raw is the volume and its size, for the Docker API's system/df.
	Raw DFVolumeRaw `json:"-"`
}

// DFVolumeRaw is a volume with its size unformatted.
type DFVolumeRaw struct {
	Volume *volume.Volume
	Size   int64
}

// DiskUsage is what `system df` reports.
type DiskUsage struct {
	Summary    []DFSummary
	Images     []DFImage
	Containers []DFContainer
	Volumes    []DFVolume
}

func summary(kind string, total, active int, size, reclaimable int64) DFSummary {
	percent := 0
	if size > 0 {
		percent = int(math.Round(float64(reclaimable) / float64(size) * 100))
	}
	return DFSummary{Type: kind, Total: total, Active: active, RawSize: size, RawReclaimable: reclaimable,
		Size:        units.HumanSize(float64(size)),
		Reclaimable: fmt.Sprintf("%s (%d%%)", units.HumanSize(float64(reclaimable)), percent)}
}

// DF measures the space images, containers and volumes take. A layer shared by images counts once;
// space is reclaimable when nothing running or existing needs it: layers of images no container
// uses, the writable layers of containers that are not running, volumes no container uses.
func DF(e Engines) (*DiskUsage, error) {
	store := e.Containers.Store()
	ctrs, err := e.Containers.All()
	if err != nil {
		return nil, err
	}
	du := &DiskUsage{}
	images, sum, err := dfImages(store, ctrs)
	if err != nil {
		return nil, err
	}
	du.Images = images
	du.Summary = append(du.Summary, sum)
	containers, sum := dfContainers(store, ctrs)
	du.Containers = containers
	du.Summary = append(du.Summary, sum)
	volumes, sum, err := dfVolumes(e.Volumes)
	if err != nil {
		return nil, err
	}
	du.Volumes = volumes
	du.Summary = append(du.Summary, sum)
	return du, nil
}

// dfImages measures the images: each layer once, reclaimable unless an image of one of ctrs has it.
func dfImages(store storage.Store, ctrs []*container.Container) ([]DFImage, DFSummary, error) {
	used := map[string]int{} // image ID -> containers
	for _, c := range ctrs {
		if c.Config.ImageID != "" {
			used[c.Config.ImageID]++
		}
	}
	images, err := store.Images()
	if err != nil {
		return nil, DFSummary{}, fmt.Errorf("list images: %w", err)
	}
	layerSize := map[string]int64{}
	layerImages := map[string]int{}
	layerActive := map[string]bool{}
	chains := make([][]string, len(images))
	for i, img := range images {
		for id := img.TopLayer; id != ""; {
			l, err := store.Layer(id)
			if err != nil {
				break
			}
			if _, ok := layerSize[id]; !ok {
				size := l.UncompressedSize
				if size <= 0 {
					size, _ = store.DiffSize(l.Parent, l.ID)
				}
				layerSize[id] = size
			}
			layerImages[id]++
			if used[img.ID] > 0 {
				layerActive[id] = true
			}
			chains[i] = append(chains[i], id)
			id = l.Parent
		}
	}
	var rows []DFImage
	var total, reclaim int64
	active := 0
	for id, size := range layerSize {
		total += size
		if !layerActive[id] {
			reclaim += size
		}
	}
	for i, img := range images {
		if used[img.ID] > 0 {
			active++
		}
		var size, shared int64
		for _, id := range chains[i] {
			size += layerSize[id]
			if layerImages[id] > 1 {
				shared += layerSize[id]
			}
		}
		repo, tag := "<none>", "<none>"
		if len(img.Names) > 0 {
			if i := strings.LastIndex(img.Names[0], ":"); i > strings.LastIndex(img.Names[0], "/") {
				repo, tag = img.Names[0][:i], img.Names[0][i+1:]
			} else {
				repo = img.Names[0]
			}
		}
		rows = append(rows, DFImage{Repository: repo, Tag: tag, ImageID: img.ID[:12],
			Created: image.HumanSince(img.Created), Size: units.HumanSize(float64(size)),
			SharedSize: units.HumanSize(float64(shared)), UniqueSize: units.HumanSize(float64(size - shared)),
			Containers: used[img.ID],
			Raw:        DFImageRaw{ID: img.ID, Names: img.Names, Created: img.Created, Size: size, Shared: shared, ContainersUsing: used[img.ID]}})
	}
	return rows, summary("Images", len(images), active, total, reclaim), nil
}

// dfContainers measures the writable layers of ctrs, reclaimable unless the container runs.
func dfContainers(store storage.Store, ctrs []*container.Container) ([]DFContainer, DFSummary) {
	var rows []DFContainer
	var total, reclaim int64
	active := 0
	for _, c := range ctrs {
		var size int64
		if c.Storage != nil {
			size, _ = store.DiffSize("", c.Storage.LayerID)
		}
		total += size
		if c.State.Status == container.StatusRunning || c.State.Status == container.StatusPaused {
			active++
		} else {
			reclaim += size
		}
		vols := 0
		for _, m := range c.Config.Mounts {
			if m.Type == "volume" {
				vols++
			}
		}
		id := c.ID
		if len(id) > 12 {
			id = id[:12]
		}
		rows = append(rows, DFContainer{ContainerID: id, Image: c.Config.ImageName,
			Command: strings.Join(c.Command(), " "), LocalVolumes: vols, Size: units.HumanSize(float64(size)),
			Created: image.HumanSince(c.Config.Created), Status: c.State.Status, Names: c.Name(),
			Raw: DFContainerRaw{ID: c.ID, ImageID: c.Config.ImageID, Created: c.Config.Created, Size: size}})
	}
	return rows, summary("Containers", len(ctrs), active, total, reclaim)
}

// dfVolumes measures the local volumes, reclaimable unless a container uses them.
func dfVolumes(store *volume.Store) ([]DFVolume, DFSummary, error) {
	vols, err := store.All()
	if err != nil {
		return nil, DFSummary{}, err
	}
	var rows []DFVolume
	var total, reclaim int64
	active := 0
	for _, v := range vols {
		size := DirSize(v.Mountpoint())
		total += size
		links := 0
		if store.Users != nil {
			u, _ := store.Users(v.Name)
			links = len(u)
		}
		if links > 0 {
			active++
		} else {
			reclaim += size
		}
		rows = append(rows, DFVolume{VolumeName: v.Name, Links: links, Size: units.HumanSize(float64(size)),
			Raw: DFVolumeRaw{Volume: v, Size: size}})
	}
	return rows, summary("Local Volumes", len(vols), active, total, reclaim), nil
}
