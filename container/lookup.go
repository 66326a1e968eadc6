package container

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/containers/storage"
)

// Get returns the container nameOrID names: a full ID, a name, or a unique ID prefix, as Podman
// resolves them. The state is as recorded, corrected for what the record cannot know yet (an exit the
// monitor reported, a process that is gone), without writing anything.
func (e *Engine) Get(nameOrID string) (*Container, error) {
	c, err := e.lookup(nameOrID)
	if err != nil {
		return nil, err
	}
	e.observe(c)
	return c, nil
}

// lookup finds the storage container and reads its record, without correcting the state.
func (e *Engine) lookup(nameOrID string) (*Container, error) {
	if nameOrID == "" {
		return nil, fmt.Errorf("no container with name or ID \"\" found: %w", ErrNoSuchContainer)
	}
	sc, err := e.store.Container(nameOrID)
	if err != nil {
		if errors.Is(err, storage.ErrContainerUnknown) {
			// c/storage reports an ambiguous ID prefix as unknown: tell the two apart.
			if n := e.prefixMatches(nameOrID); n > 1 {
				return nil, fmt.Errorf("%q: %w: give more characters of the ID", nameOrID, ErrAmbiguous)
			}
			return nil, fmt.Errorf("no container with name or ID %q found: %w", nameOrID, ErrNoSuchContainer)
		}
		if strings.Contains(err.Error(), "ambiguous") {
			return nil, fmt.Errorf("%q: %w: give more characters of the ID", nameOrID, ErrAmbiguous)
		}
		return nil, fmt.Errorf("look up container %q: %w", nameOrID, err)
	}
	return e.fromStorage(sc)
}

// prefixMatches counts the containers whose ID starts with prefix (0 unless prefix is hex).
func (e *Engine) prefixMatches(prefix string) int {
	for _, r := range prefix {
		if (r < '0' || r > '9') && (r < 'a' || r > 'f') {
			return 0
		}
	}
	scs, err := e.store.Containers()
	if err != nil {
		return 0
	}
	n := 0
	for i := range scs {
		if strings.HasPrefix(scs[i].ID, prefix) {
			n++
		}
	}
	return n
}

// fromStorage reads the record of a storage container. A container without a record (a create that was
// killed) is returned as Incomplete, in state created, so that ps shows it and rm removes it.
func (e *Engine) fromStorage(sc *storage.Container) (*Container, error) {
	c, err := e.readRecord(sc.ID)
	if errors.Is(err, fs.ErrNotExist) {
		c = &Container{ID: sc.ID, Incomplete: true}
		c.Config.ImageID = sc.ImageID
		c.Config.Image = sc.ImageID
		c.Config.Created = sc.Created
		c.State.Status = StatusCreated
		c.State.Error = "incomplete: the command creating it did not finish (remove it with skiff rm)"
		if len(sc.Names) > 0 {
			c.Config.Name = sc.Names[0]
		}
		c.Storage = sc
		return c, nil
	}
	if err != nil {
		return nil, err
	}
	c.Storage = sc
	return c, nil
}

// All returns every container, newest first, with its observed state.
func (e *Engine) All() ([]*Container, error) {
	scs, err := e.store.Containers()
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	out := make([]*Container, 0, len(scs))
	for i := range scs {
		c, err := e.fromStorage(&scs[i])
		if err != nil {
			return nil, err
		}
		e.observe(c)
		out = append(out, c)
	}
	sortNewestFirst(out)
	return out, nil
}

func sortNewestFirst(cs []*Container) {
	slices.SortStableFunc(cs, func(a, b *Container) int { return b.Config.Created.Compare(a.Config.Created) })
}
