package volume

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/skiffproject/skiff/volume/mountflag"
)

// Remove removes the volume called name and its data. A volume that containers use is refused with
// ErrInUse, naming them, unless force, which first removes those containers through RemoveUsers.
func (s *Store) Remove(name string, force bool) error {
	if _, err := s.Get(name); err != nil {
		return err
	}
	if force {
		users, err := s.users(name)
		if err != nil {
			return err
		}
		if len(users) > 0 {
			if s.RemoveUsers == nil {
				return fmt.Errorf("volume %s is being used by the following container(s): %s: remove them first: %w",
					name, strings.Join(users, ", "), ErrInUse)
			}
			// Without the lock: removing a container may remove its anonymous volumes.
			if err := s.RemoveUsers(users); err != nil {
				return fmt.Errorf("remove the containers using volume %s: %w", name, err)
			}
		}
	}
	l, err := s.lock()
	if err != nil {
		return err
	}
	defer l.unlock()
	v, err := s.read(name)
	if err != nil {
		return err
	}
	users, err := s.users(name)
	if err != nil {
		return err
	}
	if len(users) > 0 {
		return fmt.Errorf("volume %s is being used by the following container(s): %s: %w", name, strings.Join(users, ", "), ErrInUse)
	}
	return s.removeLocked(v)
}

// removeLocked removes v; the caller holds the lock and has checked that no container uses it. The
// rename takes the volume out of every listing at once; a killed removal leaves a hidden directory that
// the next change clears.
func (s *Store) removeLocked(v *Volume) error {
	if err := v.unmount(); err != nil {
		return fmt.Errorf("remove volume %s: %w", v.Name, err)
	}
	gone, err := os.MkdirTemp(s.dir, gonePrefix+v.Name+"-")
	if err != nil {
		return fmt.Errorf("remove volume %s: %w", v.Name, err)
	}
	if err := os.Rename(s.path(v.Name), gone+"/v"); err != nil {
		_ = os.Remove(gone)
		return fmt.Errorf("remove volume %s: %w", v.Name, err)
	}
	crashPoint("remove: renamed away")
	if err := removeTree(gone); err != nil {
		return fmt.Errorf("remove volume %s: %w (its data is left in %s)", v.Name, err, gone)
	}
	return nil
}

// PruneReport is one volume Prune removed, or failed to.
type PruneReport struct {
	Name string
	Err  error
}

// Prune removes every volume that no container uses and that passes f.
func (s *Store) Prune(f Filters) ([]PruneReport, error) {
	l, err := s.lock()
	if err != nil {
		return nil, err
	}
	defer l.unlock()
	all, err := s.All()
	if err != nil {
		return nil, err
	}
	var out []PruneReport
	for _, v := range all {
		ok, err := f.match(v, func() (bool, error) { return false, nil }) // used volumes are skipped below
		if err != nil {
			return out, err
		}
		if !ok {
			continue
		}
		users, err := s.users(v.Name)
		if err != nil {
			out = append(out, PruneReport{Name: v.Name, Err: err})
			continue
		}
		if len(users) > 0 {
			continue
		}
		out = append(out, PruneReport{Name: v.Name, Err: s.removeLocked(v)})
	}
	return out, nil
}

// RemoveAnonymous removes the anonymous volumes among specs that no container uses any more: call it for
// rm -v and run --rm once the container's record is gone. A volume shared through --volumes-from with
// a container that remains is kept, as in Podman. Errors are collected; every volume is tried.
func (s *Store) RemoveAnonymous(specs []mountflag.Spec) error {
	var errs []error
	for _, sp := range specs {
		if sp.Type != mountflag.TypeVolume || !sp.Anonymous || sp.Source == "" {
			continue
		}
		if err := s.removeIfAnonymous(sp.Source); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (s *Store) removeIfAnonymous(name string) error {
	l, err := s.lock()
	if err != nil {
		return err
	}
	defer l.unlock()
	v, err := s.read(name)
	if errors.Is(err, ErrNoSuchVolume) {
		return nil
	}
	if err != nil {
		return err
	}
	if !v.Anonymous {
		return nil
	}
	users, err := s.users(name)
	if err != nil || len(users) > 0 {
		return err
	}
	return s.removeLocked(v)
}
